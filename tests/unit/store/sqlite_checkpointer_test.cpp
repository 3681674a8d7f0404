// The SQLite checkpointer copies the write-ahead log into the database file on its own thread, while the
// connection that wrote the log neither checkpoints nor closes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "store/sqlite/checkpointer.hpp"
#include "store_test_util.hpp"

namespace parley::store {
namespace {

using testing::TempDir;

TEST(SqliteCheckpointer, CopiesTheLogIntoTheDatabaseFileWhileTheWriterNeverCheckpoints) {
  TempDir dir;
  const std::string path = dir.file("log.db");
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &writer), SQLITE_OK);
  // The writer's log is never checkpointed by the writer itself (and, kept open, never at close either).
  ASSERT_EQ(sqlite3_exec(writer,
                         "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (x BLOB);"
                         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                         "INSERT INTO t SELECT randomblob(1000) FROM n;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  const auto before = std::filesystem::file_size(path);
  EXPECT_LT(before, 100'000u) << "the rows are in the log, not yet in the database file";

  auto checkpointer = sqlite::Checkpointer::start(path, 1000, std::chrono::milliseconds(5));
  ASSERT_TRUE(checkpointer) << checkpointer.error().message;
  // Waits (at most 10 s) for the checkpointer's first complete checkpoint.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((*checkpointer)->complete_checkpoints() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_GT((*checkpointer)->complete_checkpoints(), 0u);
  EXPECT_GT(std::filesystem::file_size(path), 2'000'000u) << "2,000 rows of 1,000 bytes are in the database file";

  checkpointer->reset();  // stops the thread
  sqlite3_close(writer);
}

}  // namespace
}  // namespace parley::store

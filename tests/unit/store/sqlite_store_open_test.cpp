// Opening SqliteStore: bad paths, schema versions, and durability across a restart or an abrupt exit.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <latch>

#include "store/sqlite/schema.hpp"
#include "store/sqlite_store.hpp"
#include "store_test_util.hpp"

namespace parley::store {
namespace {

using core::ErrorCode;
using testing::make_message;
using testing::seqs;
using testing::SyncStore;
using testing::TempDir;

// Runs one SQL query on the file with a plain connection and answers the first column of the first row.
int64_t query_int(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  int64_t value = -1;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

TEST(SqliteStoreOpen, MissingDirectoryIsAnError) {
  auto opened = SqliteStore::open("/nonexistent-parley-dir/sub/parley.db");
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("/nonexistent-parley-dir/sub/parley.db"), std::string::npos)
      << opened.error().message;
}

TEST(SqliteStoreOpen, DirectoryIsAnError) {
  TempDir dir;
  auto opened = SqliteStore::open(dir.path().string());
  ASSERT_FALSE(opened.ok());
  EXPECT_FALSE(opened.error().message.empty());
}

TEST(SqliteStoreOpen, FileThatIsNotADatabaseIsAnError) {
  TempDir dir;
  const std::string path = dir.file("notes.txt");
  std::ofstream(path) << std::string(4096, 'x');
  auto opened = SqliteStore::open(path);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find(path), std::string::npos) << opened.error().message;
}

TEST(SqliteStoreOpen, EmptyOrMemoryPathIsAnError) {
  EXPECT_FALSE(SqliteStore::open("").ok());
  EXPECT_FALSE(SqliteStore::open(":memory:").ok());
}

TEST(SqliteStoreOpen, CreatesSchemaInWalModeOnce) {
  TempDir dir;
  const std::string path = dir.file("parley.db");
  for (int i = 0; i < 2; ++i) {
    auto opened = SqliteStore::open(path);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
  }
  EXPECT_EQ(query_int(path, "SELECT max(version) FROM schema_version"), sqlite::latest_schema_version());
  EXPECT_EQ(query_int(path, "SELECT count(*) FROM schema_version"), sqlite::latest_schema_version());
  EXPECT_EQ(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE name IN ('users','rooms','messages')"), 3);
  EXPECT_EQ(query_int(path, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
}

// What version 1 of the schema wrote (frozen here: a file from an older Parley, not today's migration).
constexpr const char* kVersionOneFile = R"sql(
  CREATE TABLE schema_version (version INTEGER PRIMARY KEY);
  INSERT INTO schema_version (version) VALUES (1);
  CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, password_hash TEXT NOT NULL,
                      created_at INTEGER);
  CREATE TABLE rooms (name TEXT PRIMARY KEY, last_seq INTEGER NOT NULL DEFAULT 0, created_at INTEGER);
  CREATE TABLE messages (room TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT UNIQUE NOT NULL,
                         from_id INTEGER NOT NULL, from_name TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL,
                         client_msg_id TEXT NOT NULL DEFAULT '', PRIMARY KEY (room, seq));
  INSERT INTO rooms (name, last_seq, created_at) VALUES ('a', 3, 1), ('quiet', 0, 1);
  INSERT INTO messages (room, seq, id, from_id, from_name, text, ts) VALUES
    ('a', 1, 'old-1', 1, 'alice', 'one', 1), ('a', 2, 'old-2', 1, 'alice', 'two', 2),
    ('a', 3, 'old-3', 1, 'alice', 'three', 3);
)sql";

// Writes a database file at `path` by running `sql` in it (as an older release would have left it).
bool write_file(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return false;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rc == SQLITE_OK;
}

TEST(SqliteStoreOpen, AVersionOneFileIsMigratedAndItsRoomsContinueTheirSeqs) {
  TempDir dir;
  const std::string path = dir.file("parley.db");
  ASSERT_TRUE(write_file(path, kVersionOneFile));
  auto opened = SqliteStore::open(path);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(query_int(path, "SELECT max(version) FROM schema_version"), sqlite::latest_schema_version());
  SyncStore sync(**opened);
  EXPECT_EQ(sync.ensure_room("a").value(), 3);
  EXPECT_EQ(sync.ensure_room("quiet").value(), 0);
  EXPECT_EQ(sync.append(make_message("a", "a4"))->seq, 4);
  EXPECT_EQ(sync.append(make_message("quiet", "q1"))->seq, 1);
  EXPECT_EQ(seqs(*sync.before("a", std::nullopt, 10)), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(sync.list_rooms().value(), (std::vector<std::string>{"a", "quiet"}));
}

// A file as the release of 2026-11-26 left it (schema 2: version 1, then rooms.last_seq dropped), with a user,
// two rooms and three messages.
constexpr const char* kVersionTwoFile = R"sql(
  CREATE TABLE schema_version (version INTEGER PRIMARY KEY);
  INSERT INTO schema_version (version) VALUES (1), (2);
  CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, password_hash TEXT NOT NULL,
                      created_at INTEGER);
  CREATE TABLE rooms (name TEXT PRIMARY KEY, created_at INTEGER);
  CREATE TABLE messages (room TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT UNIQUE NOT NULL,
                         from_id INTEGER NOT NULL, from_name TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL,
                         client_msg_id TEXT NOT NULL DEFAULT '', PRIMARY KEY (room, seq));
  INSERT INTO users (id, username, password_hash, created_at) VALUES (1, 'alice', 'hash', 1), (2, 'bob', 'hash', 1);
  INSERT INTO rooms (name, created_at) VALUES ('a', 1), ('quiet', 1);
  INSERT INTO messages (room, seq, id, from_id, from_name, text, ts, client_msg_id) VALUES
    ('a', 1, 'old-1', 1, 'alice', 'one', 1, 'c-1'), ('a', 2, 'old-2', 2, 'bob', 'two', 2, ''),
    ('a', 3, 'old-3', 1, 'alice', 'three', 3, '');
)sql";

TEST(SqliteStoreOpen, AFileOfTheLastReleaseKeepsItsRoomsAndSeqsAndGainsTheNewTables) {
  TempDir dir;
  const std::string path = dir.file("parley.db");
  ASSERT_TRUE(write_file(path, kVersionTwoFile));
  auto opened = SqliteStore::open(path);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(query_int(path, "SELECT max(version) FROM schema_version"), sqlite::latest_schema_version());
  for (const char* table : {"settings", "memberships", "read_markers", "conversations", "idempotency_keys"}) {
    const std::string count = std::string("SELECT count(*) FROM sqlite_schema WHERE name = '") + table + "'";
    EXPECT_EQ(query_int(path, count.c_str()), 1) << table;
  }
  SyncStore sync(**opened);
  EXPECT_EQ(sync.find_user("alice")->user.id, 1);
  EXPECT_EQ(sync.list_rooms().value(), (std::vector<std::string>{"a", "quiet"}));
  EXPECT_EQ(sync.append(make_message("a", "a4"))->seq, 4);
  EXPECT_EQ(sync.append(make_message("quiet", "q1"))->seq, 1);
  EXPECT_EQ(seqs(*sync.before("a", std::nullopt, 10)), (std::vector<int64_t>{1, 2, 3, 4}));
  // What this release adds works on the old rows: joins, unread counts, conversations.
  auto joined = testing::wait_for<RoomJoin>([&](Callback<RoomJoin> done) { (*opened)->join_room(1, "a", 0, done); });
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(joined->last_seq, 4);
  auto rooms = testing::wait_for<std::vector<ReadState>>(
      [&](Callback<std::vector<ReadState>> done) { (*opened)->user_rooms(1, done); });
  ASSERT_EQ(rooms->size(), 1u);
  EXPECT_EQ(rooms->front().unread, 1);  // bob's seq 2; alice's own (from 1, as make_message's) do not count
  NewMessage dm = make_message(conversation_key(1, 2), "d1");
  EXPECT_EQ(sync.append(dm)->seq, 1);
}

// A file as the release of 2026-12-06 left it (schema 5: messages.id still UNIQUE), with a room message and a
// direct message sent with a clientMsgId.
constexpr const char* kVersionFiveFile = R"sql(
  CREATE TABLE schema_version (version INTEGER PRIMARY KEY);
  INSERT INTO schema_version (version) VALUES (1), (2), (3), (4), (5);
  CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, password_hash TEXT NOT NULL,
                      created_at INTEGER);
  CREATE TABLE rooms (name TEXT PRIMARY KEY, created_at INTEGER, created_by INTEGER);
  CREATE INDEX rooms_by_creator ON rooms (created_by) WHERE created_by IS NOT NULL;
  CREATE TABLE messages (room TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT UNIQUE NOT NULL,
                         from_id INTEGER NOT NULL, from_name TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL,
                         client_msg_id TEXT NOT NULL DEFAULT '', PRIMARY KEY (room, seq));
  CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE memberships (user_id INTEGER NOT NULL, room TEXT NOT NULL, joined_at INTEGER NOT NULL,
                            PRIMARY KEY (user_id, room)) WITHOUT ROWID;
  CREATE TABLE read_markers (user_id INTEGER NOT NULL, room TEXT NOT NULL, seq INTEGER NOT NULL,
                             PRIMARY KEY (user_id, room)) WITHOUT ROWID;
  CREATE TABLE conversations (user_id INTEGER NOT NULL, other_id INTEGER NOT NULL, room TEXT NOT NULL,
                              PRIMARY KEY (user_id, other_id)) WITHOUT ROWID;
  CREATE TABLE idempotency_keys (user_id INTEGER NOT NULL, client_msg_id TEXT NOT NULL, room TEXT NOT NULL,
                                 seq INTEGER NOT NULL, ts INTEGER NOT NULL,
                                 PRIMARY KEY (user_id, client_msg_id)) WITHOUT ROWID;
  CREATE INDEX idempotency_keys_by_ts ON idempotency_keys (ts);
  INSERT INTO users (id, username, password_hash, created_at) VALUES (1, 'alice', 'hash', 1), (2, 'bob', 'hash', 1);
  INSERT INTO rooms (name, created_at, created_by) VALUES ('a', 1, 1), ('dm:1:2', 1, NULL);
  INSERT INTO messages (room, seq, id, from_id, from_name, text, ts, client_msg_id) VALUES
    ('a', 1, 'n-1', 1, 'alice', 'hello room', 1700000000000, ''),
    ('dm:1:2', 1, 'n-2', 1, 'alice', 'hello bob', 1700000000000, 'k-1');
  INSERT INTO conversations (user_id, other_id, room) VALUES (1, 2, 'dm:1:2'), (2, 1, 'dm:1:2');
  INSERT INTO idempotency_keys (user_id, client_msg_id, room, seq, ts) VALUES (1, 'k-1', 'dm:1:2', 1, 1700000000000);
)sql";

TEST(SqliteStoreOpen, AFileOfSchemaFiveLosesTheIndexOnMessageIdsAndKeepsItsMessagesAndKeys) {
  TempDir dir;
  const std::string path = dir.file("parley.db");
  ASSERT_TRUE(write_file(path, kVersionFiveFile));
  EXPECT_EQ(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'messages'"), 2);
  auto opened = SqliteStore::open(path);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(query_int(path, "SELECT max(version) FROM schema_version"), sqlite::latest_schema_version());
  // Only the (room, seq) primary key is left.
  EXPECT_EQ(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'messages'"), 1);
  SyncStore sync(**opened);
  auto dms = sync.before(conversation_key(1, 2), std::nullopt, 10);
  ASSERT_TRUE(dms.ok());
  ASSERT_EQ(dms->size(), 1u);
  EXPECT_EQ(dms->front().id, "n-2");
  EXPECT_EQ(dms->front().text, "hello bob");
  EXPECT_EQ(dms->front().client_msg_id, "k-1");
  // The resend of the old key still answers the stored message, and nothing new is stored.
  NewMessage resend = make_message(conversation_key(1, 2), "n-3", "hello bob");
  resend.client_msg_id = "k-1";
  auto replayed = sync.append(resend);
  ASSERT_TRUE(replayed.ok()) << replayed.error().message;
  EXPECT_TRUE(replayed->replayed);
  EXPECT_EQ(replayed->id, "n-2");
  EXPECT_EQ(replayed->seq, 1);
  EXPECT_EQ(sync.append(make_message(conversation_key(1, 2), "n-4"))->seq, 2);
  EXPECT_EQ(sync.append(make_message("a", "n-5"))->seq, 2);
  EXPECT_EQ(seqs(*sync.before("a", std::nullopt, 10)), (std::vector<int64_t>{1, 2}));
}

TEST(SqliteStoreOpen, NewerSchemaIsRefused) {
  TempDir dir;
  const std::string path = dir.file("parley.db");
  ASSERT_TRUE(SqliteStore::open(path).ok());
  EXPECT_EQ(query_int(path, "INSERT INTO schema_version (version) VALUES (999) RETURNING version"), 999);
  auto opened = SqliteStore::open(path);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("999"), std::string::npos) << opened.error().message;
}

TEST(SqliteStoreOpen, DataSurvivesCloseAndReopen) {
  TempDir dir;
  const std::string path = dir.file("parley.db");
  int64_t alice_id = 0;
  {
    auto opened = SqliteStore::open(path);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    SyncStore sync(**opened);
    alice_id = sync.create_user("alice", "secret")->id;
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(sync.append(make_message("a", "a" + std::to_string(i))).ok());
    ASSERT_TRUE(sync.append(make_message("b", "b1")).ok());
    ASSERT_TRUE(sync.ensure_room("empty").ok());
  }
  auto reopened = SqliteStore::open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  SyncStore sync(**reopened);
  auto alice = sync.find_user("alice");
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->user.id, alice_id);
  EXPECT_EQ(alice->password_hash, "secret");
  EXPECT_EQ(sync.create_user("alice").error().code, ErrorCode::conflict);
  EXPECT_EQ(seqs(*sync.before("a", std::nullopt, 10)), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(sync.list_rooms().value(), (std::vector<std::string>{"a", "b", "empty"}));
  EXPECT_EQ(sync.ensure_room("a").value(), 3);
  EXPECT_EQ(sync.append(make_message("a", "a4"))->seq, 4);
  EXPECT_EQ(sync.append(make_message("b", "b2"))->seq, 2);
}

// A child process appends, waits for the callbacks, and dies without closing anything (no flush, no
// destructor, no checkpoint). Every acknowledged message must be there when the file is opened again.
TEST(SqliteStoreOpen, AcknowledgedAppendsSurviveAnAbruptExit) {
  TempDir dir;
  const std::string path = dir.file("parley.db");
  constexpr int kMessages = 50;
  pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    auto opened = SqliteStore::open(path);
    if (!opened.ok()) _exit(2);
    std::latch acknowledged(kMessages);
    bool all_ok = true;
    for (int i = 1; i <= kMessages; ++i) {
      (*opened)->append_message(make_message("r", "m" + std::to_string(i)), [&](core::Result<StoredMessage> r) {
        if (!r.ok()) all_ok = false;
        acknowledged.count_down();
      });
    }
    acknowledged.wait();
    _exit(all_ok ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);

  auto reopened = SqliteStore::open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  SyncStore sync(**reopened);
  auto stored = sync.after("r", 0, 1000);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), static_cast<size_t>(kMessages));
  EXPECT_EQ(stored->back().seq, kMessages);
  EXPECT_EQ(sync.append(make_message("r", "next"))->seq, kMessages + 1);
}

}  // namespace
}  // namespace parley::store

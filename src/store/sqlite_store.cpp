#include "store/sqlite_store.hpp"

#include <sqlite3.h>

#include <utility>

#include "store/common/pooled_store_impl.hpp"
#include "store/sqlite/checkpointer.hpp"
#include "store/sqlite/committer.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/reader.hpp"
#include "store/sqlite/schema.hpp"

namespace parley::store {

template class common::PooledStore<sqlite::Reader, sqlite::Committer>;

namespace {

using sqlite::Connection;
using sqlite::Query;

// Puts the write connection in WAL mode with synchronous=FULL: in WAL mode NORMAL may lose the last
// transactions on power loss, and a callback must only report what survives it.
core::Result<core::Unit> configure_writer(Connection& connection) {
  core::Result<sqlite::Statement> wal = connection.prepare("PRAGMA journal_mode=WAL");
  if (!wal) return wal.error();
  Query query(*wal);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  if (!*row || query.text(0) != "wal") return core::Error{core::ErrorCode::internal, "cannot switch to WAL mode"};
  if (auto full = connection.exec("PRAGMA synchronous=FULL", "setting synchronous=FULL"); !full) return full;
  // The checkpointer's thread keeps the log short; the writer checkpoints only if the log reaches ~40 MB
  // (10,000 pages) regardless, should that thread fall behind.
  return connection.exec("PRAGMA wal_autocheckpoint=10000", "setting wal_autocheckpoint");
}

// `error` with the database path in front, so that a start-up failure names the file.
core::Error naming(const std::string& path, const core::Error& error) {
  if (error.message.find(path) != std::string::npos) return error;
  return core::Error{error.code, "sqlite database '" + path + "': " + error.message};
}

}  // namespace

core::Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, SqliteOptions options) {
  if (path.empty() || path == ":memory:") {
    return core::Error{core::ErrorCode::internal,
                       "the sqlite store needs a file path (got '" + path + "'): readers and the writer share it"};
  }
  core::Result<Connection> connection = Connection::open(
      path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, options.busy_timeout_ms);
  if (!connection) return connection.error();
  if (auto configured = configure_writer(*connection); !configured) return naming(path, configured.error());
  if (auto migrated = sqlite::migrate(*connection); !migrated) return naming(path, migrated.error());
  core::Result<std::unique_ptr<Readers>> readers = Readers::start(
      options.readers, [&](int) { return sqlite::Reader::open(path, options.busy_timeout_ms); });
  if (!readers) return naming(path, readers.error());
  core::Result<std::unique_ptr<sqlite::Checkpointer>> checkpointer =
      sqlite::Checkpointer::start(path, options.busy_timeout_ms, options.checkpoint_every);
  if (!checkpointer) return naming(path, checkpointer.error());
  core::Result<sqlite::Committer> committer = sqlite::Committer::prepare(std::move(*connection));
  if (!committer) return naming(path, committer.error());
  return std::unique_ptr<SqliteStore>(new SqliteStore(
      std::move(*readers), Writes::start(std::move(*committer), options.max_batch), std::move(*checkpointer)));
}

SqliteStore::SqliteStore(std::unique_ptr<Readers> readers, std::unique_ptr<Writes> writes,
                         std::unique_ptr<sqlite::Checkpointer> checkpointer)
    : PooledStore(std::move(readers), std::move(writes)), checkpointer_(std::move(checkpointer)) {}

SqliteStore::~SqliteStore() = default;  // the checkpointer stops first, then the skeleton's threads

}  // namespace parley::store

#include "store/sqlite_store.hpp"

#include <sqlite3.h>

#include <utility>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/reader_pool.hpp"
#include "store/sqlite/schema.hpp"
#include "store/sqlite/writer.hpp"

namespace parley::store {

namespace {

using sqlite::Connection;
using sqlite::Query;
using sqlite::ReadOps;
using sqlite::WriteOps;

// Puts the write connection in WAL mode with synchronous=FULL: in WAL mode NORMAL may lose the last
// transactions on power loss, and a callback must only report what survives it.
core::Result<core::Unit> configure_writer(Connection& connection) {
  core::Result<sqlite::Statement> wal = connection.prepare("PRAGMA journal_mode=WAL");
  if (!wal) return wal.error();
  Query query(*wal);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  if (!*row || query.text(0) != "wal") return core::Error{core::ErrorCode::internal, "cannot switch to WAL mode"};
  return connection.exec("PRAGMA synchronous=FULL", "setting synchronous=FULL");
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
  core::Result<std::unique_ptr<sqlite::ReaderPool>> readers =
      sqlite::ReaderPool::start(path, options.readers, options.busy_timeout_ms);
  if (!readers) return naming(path, readers.error());
  core::Result<std::unique_ptr<sqlite::Writer>> writer =
      sqlite::Writer::start(std::move(*connection), options.max_batch);
  if (!writer) return naming(path, writer.error());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(*writer), std::move(*readers)));
}

SqliteStore::SqliteStore(std::unique_ptr<sqlite::Writer> writer, std::unique_ptr<sqlite::ReaderPool> readers)
    : writer_(std::move(writer)), readers_(std::move(readers)) {}

SqliteStore::~SqliteStore() {
  flush();
  // Readers stop first: an ensure_room read may still hand its write to the writer.
  readers_->stop();
  writer_->stop();
}

void SqliteStore::create_user(std::string username, std::string password_hash, Callback<User> done) {
  writer_->submit<User>(
      [username = std::move(username), password_hash = std::move(password_hash)](WriteOps& ops) {
        return ops.create_user(username, password_hash);
      },
      std::move(done));
}

void SqliteStore::find_user(std::string username, Callback<UserCredentials> done) {
  readers_->submit<UserCredentials>(
      [username = std::move(username)](ReadOps& ops) { return ops.find_user(username); }, std::move(done));
}

void SqliteStore::find_user_by_id(int64_t id, Callback<User> done) {
  readers_->submit<User>([id](ReadOps& ops) { return ops.find_user_by_id(id); }, std::move(done));
}

// Reads first, and only queues a write (behind the appends) when the room does not exist yet: joins are far
// more frequent than room creations.
void SqliteStore::ensure_room(std::string room, Callback<int64_t> done) {
  readers_->submit<std::optional<int64_t>>(
      [room](ReadOps& ops) { return ops.room_last_seq(room); },
      [writer = writer_.get(), room, done = std::move(done)](core::Result<std::optional<int64_t>> found) {
        if (found.ok() && found->has_value()) {
          common::deliver<int64_t>(done, found->value());
          return;
        }
        // Missing (or the read failed): the writer creates the room if needed and answers its last seq.
        writer->submit<int64_t>([room](WriteOps& ops) { return ops.ensure_room(room); }, done);
      });
}

void SqliteStore::list_rooms(std::string after, int limit, Callback<std::vector<std::string>> done) {
  readers_->submit<std::vector<std::string>>(
      [after = std::move(after), limit](ReadOps& ops) { return ops.list_rooms(after, limit); }, std::move(done));
}

void SqliteStore::append_message(NewMessage message, Callback<StoredMessage> done) {
  const bool keyed = !message.client_msg_id.empty();
  writer_->submit<StoredMessage>(
      [message = std::move(message)](WriteOps& ops) mutable { return ops.append_message(std::move(message)); },
      std::move(done),
      keyed ? common::Savepoint::needed : common::Savepoint::not_needed);
}

void SqliteStore::messages_before(std::string room, std::optional<int64_t> before, int limit,
                                  Callback<std::vector<StoredMessage>> done) {
  readers_->submit<std::vector<StoredMessage>>(
      [room = std::move(room), before, limit](ReadOps& ops) { return ops.messages_before(room, before, limit); },
      std::move(done));
}

void SqliteStore::messages_after(std::string room, int64_t after, int limit,
                                 Callback<std::vector<StoredMessage>> done) {
  readers_->submit<std::vector<StoredMessage>>(
      [room = std::move(room), after, limit](ReadOps& ops) { return ops.messages_after(room, after, limit); },
      std::move(done));
}

// Reads first: a user rejoining a room (every reconnect) writes nothing.
void SqliteStore::join_room(int64_t user_id, std::string room, int64_t max_created, Callback<RoomJoin> done) {
  readers_->submit<std::optional<RoomJoin>>(
      [user_id, room](ReadOps& ops) { return ops.known_join(user_id, room); },
      [writer = writer_.get(), user_id, room, max_created, done = std::move(done)](
          core::Result<std::optional<RoomJoin>> known) {
        if (known.ok() && known->has_value()) return common::deliver<RoomJoin>(done, known->value());
        writer->submit<RoomJoin>(
            [user_id, room, max_created](WriteOps& ops) { return ops.join_room(user_id, room, max_created); }, done);
      });
}

void SqliteStore::leave_room(int64_t user_id, std::string room, Callback<core::Unit> done) {
  writer_->submit<core::Unit>(
      [user_id, room = std::move(room)](WriteOps& ops) { return ops.leave_room(user_id, room); }, std::move(done),
      common::Savepoint::not_needed);
}

void SqliteStore::user_rooms(int64_t user_id, Callback<std::vector<ReadState>> done) {
  readers_->submit<std::vector<ReadState>>([user_id](ReadOps& ops) { return ops.user_rooms(user_id); },
                                           std::move(done));
}

void SqliteStore::conversations(int64_t user_id, Callback<std::vector<Conversation>> done) {
  readers_->submit<std::vector<Conversation>>([user_id](ReadOps& ops) { return ops.conversations(user_id); },
                                              std::move(done));
}

void SqliteStore::mark_read(int64_t user_id, std::string room, int64_t seq, Callback<int64_t> done) {
  writer_->submit<int64_t>(
      [user_id, room = std::move(room), seq](WriteOps& ops) { return ops.mark_read(user_id, room, seq); },
      std::move(done));
}

void SqliteStore::prune_idempotency_keys(int64_t cutoff_ms, Callback<int64_t> done) {
  writer_->submit<int64_t>([cutoff_ms](WriteOps& ops) { return ops.prune_idempotency_keys(cutoff_ms); },
                           std::move(done), common::Savepoint::not_needed);
}

void SqliteStore::keep_setting(std::string name, std::string value_if_absent, Callback<std::string> done) {
  writer_->submit<std::string>(
      [name = std::move(name), value = std::move(value_if_absent)](WriteOps& ops) {
        return ops.keep_setting(name, value);
      },
      std::move(done));
}

void SqliteStore::ping(Callback<core::Unit> done) {
  readers_->submit<core::Unit>([](ReadOps& ops) { return ops.ping(); }, std::move(done));
}

void SqliteStore::flush() {
  // Readers first: an ensure_room read queued before may still queue its write.
  readers_->flush();
  writer_->flush();
}

uint64_t SqliteStore::commits() const { return writer_->commits(); }

}  // namespace parley::store

#include "store/postgres_store.hpp"

#include <utility>

#include "store/common/deliver.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/reader_pool.hpp"
#include "store/postgres/schema.hpp"
#include "store/postgres/writer.hpp"

namespace parley::store {

namespace {

using postgres::ReadOps;
using postgres::WriteOps;

// The writer's lock keys: rooms and users, ordered apart (see postgres/writer.hpp).
std::string room_key(const std::string& room) { return "r:" + room; }
std::string user_key(const std::string& username) { return "u:" + username; }

// `error` as one line that names the store, so that a start-up failure says what failed.
core::Error naming(const std::string& url, const core::Error& error) {
  const std::string redacted = postgres::redact(url);
  if (error.message.find(redacted) != std::string::npos) return error;
  return core::Error{error.code, "postgres store " + redacted + ": " + error.message};
}

}  // namespace

core::Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& url, PostgresOptions options) {
  postgres::LinkOptions link;
  link.connect.connect_timeout_s = options.connect_timeout_s;
  link.min_backoff = options.min_backoff;
  link.max_backoff = options.max_backoff;
  core::Result<postgres::Connection> connection = postgres::Connection::connect(url, link.connect);
  if (!connection) return connection.error();
  if (auto migrated = postgres::migrate(*connection); !migrated) return naming(url, migrated.error());
  core::Result<std::unique_ptr<postgres::ReaderPool>> readers =
      postgres::ReaderPool::start(url, options.readers, link);
  if (!readers) return naming(url, readers.error());
  core::Result<std::unique_ptr<postgres::Writer>> writer =
      postgres::Writer::start(std::move(*connection), url, link, options.max_batch);
  if (!writer) return naming(url, writer.error());
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(*writer), std::move(*readers)));
}

PostgresStore::PostgresStore(std::unique_ptr<postgres::Writer> writer, std::unique_ptr<postgres::ReaderPool> readers)
    : writer_(std::move(writer)), readers_(std::move(readers)) {}

PostgresStore::~PostgresStore() {
  flush();
  // Readers stop first: an ensure_room or ping read may still hand work to the writer.
  readers_->stop();
  writer_->stop();
}

void PostgresStore::create_user(std::string username, std::string password_hash, Callback<User> done) {
  std::string key = user_key(username);
  writer_->submit<User>(
      [username = std::move(username), password_hash = std::move(password_hash)](WriteOps& ops) {
        return ops.create_user(username, password_hash);
      },
      std::move(done), std::move(key));
}

void PostgresStore::find_user(std::string username, Callback<UserCredentials> done) {
  readers_->submit<UserCredentials>(
      [username = std::move(username)](ReadOps& ops) { return ops.find_user(username); }, std::move(done));
}

void PostgresStore::find_user_by_id(int64_t id, Callback<User> done) {
  readers_->submit<User>([id](ReadOps& ops) { return ops.find_user_by_id(id); }, std::move(done));
}

// Reads first, and only queues a write (behind the appends) when the room does not exist yet: joins are far
// more frequent than room creations.
void PostgresStore::ensure_room(std::string room, Callback<int64_t> done) {
  readers_->submit<std::optional<int64_t>>(
      [room](ReadOps& ops) { return ops.room_last_seq(room); },
      [writer = writer_.get(), room, done = std::move(done)](core::Result<std::optional<int64_t>> found) {
        if (found.ok() && found->has_value()) {
          common::deliver<int64_t>(done, found->value());
          return;
        }
        if (!found.ok() && found.error().code == core::ErrorCode::unavailable) {
          common::deliver<int64_t>(done, found.error());
          return;
        }
        // Missing: the writer creates the room if needed and answers its last seq.
        writer->submit<int64_t>([room](WriteOps& ops) { return ops.ensure_room(room); }, done, room_key(room));
      });
}

void PostgresStore::list_rooms(std::string after, int limit, Callback<std::vector<std::string>> done) {
  readers_->submit<std::vector<std::string>>(
      [after = std::move(after), limit](ReadOps& ops) { return ops.list_rooms(after, limit); }, std::move(done));
}

void PostgresStore::append_message(NewMessage message, Callback<StoredMessage> done) {
  std::string key = room_key(message.room);
  writer_->submit<StoredMessage>(
      [message = std::move(message)](WriteOps& ops) mutable { return ops.append_message(std::move(message)); },
      std::move(done), std::move(key));
}

void PostgresStore::messages_before(std::string room, std::optional<int64_t> before, int limit,
                                    Callback<std::vector<StoredMessage>> done) {
  readers_->submit<std::vector<StoredMessage>>(
      [room = std::move(room), before, limit](ReadOps& ops) { return ops.messages_before(room, before, limit); },
      std::move(done));
}

void PostgresStore::messages_after(std::string room, int64_t after, int limit,
                                   Callback<std::vector<StoredMessage>> done) {
  readers_->submit<std::vector<StoredMessage>>(
      [room = std::move(room), after, limit](ReadOps& ops) { return ops.messages_after(room, after, limit); },
      std::move(done));
}

// Reads first: a user rejoining a room (every reconnect) writes nothing.
void PostgresStore::join_room(int64_t user_id, std::string room, int64_t max_created, Callback<RoomJoin> done) {
  readers_->submit<std::optional<RoomJoin>>(
      [user_id, room](ReadOps& ops) { return ops.known_join(user_id, room); },
      [writer = writer_.get(), user_id, room, max_created, done = std::move(done)](
          core::Result<std::optional<RoomJoin>> known) {
        if (known.ok() && known->has_value()) return common::deliver<RoomJoin>(done, known->value());
        if (!known.ok() && known.error().code == core::ErrorCode::unavailable)
          return common::deliver<RoomJoin>(done, known.error());
        writer->submit<RoomJoin>(
            [user_id, room, max_created](WriteOps& ops) { return ops.join_room(user_id, room, max_created); }, done,
            room_key(room));
      });
}

void PostgresStore::leave_room(int64_t user_id, std::string room, Callback<core::Unit> done) {
  writer_->submit<core::Unit>(
      [user_id, room = std::move(room)](WriteOps& ops) { return ops.leave_room(user_id, room); }, std::move(done));
}

void PostgresStore::user_rooms(int64_t user_id, Callback<std::vector<ReadState>> done) {
  readers_->submit<std::vector<ReadState>>([user_id](ReadOps& ops) { return ops.user_rooms(user_id); },
                                           std::move(done));
}

void PostgresStore::conversations(int64_t user_id, Callback<std::vector<Conversation>> done) {
  readers_->submit<std::vector<Conversation>>([user_id](ReadOps& ops) { return ops.conversations(user_id); },
                                              std::move(done));
}

void PostgresStore::mark_read(int64_t user_id, std::string room, int64_t seq, Callback<int64_t> done) {
  writer_->submit<int64_t>(
      [user_id, room = std::move(room), seq](WriteOps& ops) { return ops.mark_read(user_id, room, seq); },
      std::move(done));
}

void PostgresStore::prune_idempotency_keys(int64_t cutoff_ms, Callback<int64_t> done) {
  writer_->submit<int64_t>([cutoff_ms](WriteOps& ops) { return ops.prune_idempotency_keys(cutoff_ms); },
                           std::move(done));
}

void PostgresStore::keep_setting(std::string name, std::string value_if_absent, Callback<std::string> done) {
  writer_->submit<std::string>(
      [name = std::move(name), value = std::move(value_if_absent)](WriteOps& ops) {
        return ops.keep_setting(name, value);
      },
      std::move(done));
}

void PostgresStore::ping(Callback<core::Unit> done) {
  readers_->submit<core::Unit>(
      [](ReadOps& ops) { return ops.ping(); },
      [writer = writer_.get(), done = std::move(done)](core::Result<core::Unit> read) {
        if (!read.ok() || writer->connected()) {
          common::deliver<core::Unit>(done, std::move(read));
          return;
        }
        // The writer lost its connection: an empty write job makes it reconnect (or fail) before we answer.
        writer->submit<core::Unit>([](WriteOps&) -> core::Result<core::Unit> { return core::Unit{}; }, done);
      });
}

void PostgresStore::flush() {
  // Readers first: an ensure_room or ping read queued before may still queue a write.
  readers_->flush();
  writer_->flush();
}

uint64_t PostgresStore::commits() const { return writer_->commits(); }

}  // namespace parley::store

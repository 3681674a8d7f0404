#include "store/sqlite/write_ops.hpp"

#include <utility>

#include "core/clock.hpp"

namespace parley::store::sqlite {

namespace {

constexpr const char* kInsertUser =
    "INSERT INTO users (username, password_hash, created_at) VALUES (?1, ?2, ?3) RETURNING id";
constexpr const char* kInsertRoom =
    "INSERT INTO rooms (name, last_seq, created_at) VALUES (?1, 0, ?2) ON CONFLICT (name) DO NOTHING";
constexpr const char* kSelectLastSeq = "SELECT last_seq FROM rooms WHERE name = ?1";
constexpr const char* kUpdateLastSeq = "UPDATE rooms SET last_seq = ?2 WHERE name = ?1";
// Changes whenever another connection commits to the database file (never for this connection's commits).
constexpr const char* kDataVersion = "PRAGMA data_version";
constexpr const char* kInsertMessage =
    "INSERT INTO messages (room, seq, id, from_id, from_name, text, ts, client_msg_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

constexpr size_t max_cached_rooms = 100000;

core::Error missing_row(std::string_view what) {
  return core::Error{core::ErrorCode::internal, std::string(what) + ": statement returned no row"};
}

}  // namespace

core::Result<WriteOps> WriteOps::prepare(Connection& connection) {
  WriteOps ops;
  const std::pair<Statement*, const char*> statements[] = {
      {&ops.insert_user_, kInsertUser},       {&ops.insert_room_, kInsertRoom},
      {&ops.select_last_seq_, kSelectLastSeq}, {&ops.update_last_seq_, kUpdateLastSeq},
      {&ops.insert_message_, kInsertMessage},  {&ops.data_version_, kDataVersion},
  };
  for (const auto& [statement, sql] : statements) {
    core::Result<Statement> prepared = connection.prepare(sql);
    if (!prepared) return prepared.error();
    *statement = std::move(*prepared);
  }
  return ops;
}

core::Result<core::Unit> WriteOps::begin() {
  Query query(data_version_);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  if (!*row) return missing_row("data_version");
  const int64_t version = query.int64(0);
  // Another process may have appended: read seqs afresh. Many rooms: start over rather than grow unbounded.
  if (version != data_version_seen_ || seqs_.size() > max_cached_rooms) seqs_.clear();
  data_version_seen_ = version;
  return core::Unit{};
}

core::Result<core::Unit> WriteOps::before_commit() {
  for (RoomSeqs::value_type* entry : unwritten_) {
    Query update(update_last_seq_);
    update.bind(1, entry->first).bind(2, entry->second.last);
    if (auto done = update.run(); !done) return done.error();
    entry->second.written = true;
  }
  unwritten_.clear();
  return core::Unit{};
}

void WriteOps::rolled_back() {
  seqs_.clear();
  unwritten_.clear();
}

core::Result<WriteOps::RoomSeqs::value_type*> WriteOps::room_seq(const std::string& room) {
  if (auto cached = seqs_.find(room); cached != seqs_.end()) return &*cached;
  core::Result<int64_t> last = ensure_room(room);
  if (!last) return last.error();
  return &*seqs_.emplace(room, RoomSeq{*last, true}).first;
}

core::Result<User> WriteOps::create_user(const std::string& username, const std::string& password_hash) {
  Query query(insert_user_);
  query.bind(1, username).bind(2, password_hash).bind(3, core::now_ms());
  core::Result<bool> row = query.step();
  if (!row) {
    if (row.error().code == core::ErrorCode::conflict) {
      return core::Error{core::ErrorCode::conflict, "username '" + username + "' is taken"};
    }
    return row.error();
  }
  if (!*row) return missing_row("create_user");
  User user{query.int64(0), username};
  if (auto done = query.run(); !done) return done.error();
  return user;
}

core::Result<int64_t> WriteOps::ensure_room(const std::string& room) {
  if (auto cached = seqs_.find(room); cached != seqs_.end()) return cached->second.last;
  {
    Query insert(insert_room_);
    insert.bind(1, room).bind(2, core::now_ms());
    if (auto done = insert.run(); !done) return done.error();
  }
  Query select(select_last_seq_);
  select.bind(1, room);
  core::Result<bool> row = select.step();
  if (!row) return row.error();
  if (!*row) return missing_row("ensure_room");
  return select.int64(0);
}

core::Result<StoredMessage> WriteOps::append_message(NewMessage message) {
  core::Result<RoomSeqs::value_type*> room = room_seq(message.room);
  if (!room) return room.error();
  RoomSeq& cached = (*room)->second;
  const int64_t seq = cached.last + 1;
  {
    Query insert(insert_message_);
    insert.bind(1, message.room)
        .bind(2, seq)
        .bind(3, message.id)
        .bind(4, message.from_id)
        .bind(5, message.from_name)
        .bind(6, message.text)
        .bind(7, message.ts)
        .bind(8, message.client_msg_id);
    if (auto done = insert.run(); !done) {
      if (done.error().code == core::ErrorCode::conflict) {
        return core::Error{core::ErrorCode::conflict, "message id '" + message.id + "' already exists"};
      }
      return done.error();
    }
  }
  cached.last = seq;
  if (cached.written) unwritten_.push_back(*room);
  cached.written = false;
  return StoredMessage{std::move(message.id),        std::move(message.room), seq,
                       message.from_id,              std::move(message.from_name),
                       std::move(message.text),      message.ts,
                       std::move(message.client_msg_id)};
}

}  // namespace parley::store::sqlite

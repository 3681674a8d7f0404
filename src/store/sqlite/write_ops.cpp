#include "store/sqlite/write_ops.hpp"

#include <utility>

#include "core/clock.hpp"

namespace parley::store::sqlite {

namespace {

constexpr const char* kInsertUser =
    "INSERT INTO users (username, password_hash, created_at) VALUES (?1, ?2, ?3) RETURNING id";
constexpr const char* kInsertRoom =
    "INSERT INTO rooms (name, created_at) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING";
constexpr const char* kSelectLastSeq = "SELECT coalesce(max(seq), 0) FROM messages WHERE room = ?1";
// Changes whenever another connection commits to the database file (never for this connection's commits).
constexpr const char* kDataVersion = "PRAGMA data_version";
constexpr const char* kInsertMessage =
    "INSERT INTO messages (room, seq, id, from_id, from_name, text, ts, client_msg_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

constexpr const char* kInsertSetting =
    "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING";
constexpr const char* kSelectSetting = "SELECT value FROM settings WHERE name = ?1";

constexpr size_t max_cached_rooms = 100000;

core::Error missing_row(std::string_view what) {
  return core::Error{core::ErrorCode::internal, std::string(what) + ": statement returned no row"};
}

}  // namespace

core::Result<WriteOps> WriteOps::prepare(Connection& connection) {
  WriteOps ops;
  const std::pair<Statement*, const char*> statements[] = {
      {&ops.insert_user_, kInsertUser},       {&ops.insert_room_, kInsertRoom},
      {&ops.select_last_seq_, kSelectLastSeq}, {&ops.insert_message_, kInsertMessage},
      {&ops.data_version_, kDataVersion},      {&ops.insert_setting_, kInsertSetting},
      {&ops.select_setting_, kSelectSetting},
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
  if (version != data_version_seen_ || last_seqs_.size() > max_cached_rooms) last_seqs_.clear();
  data_version_seen_ = version;
  return core::Unit{};
}

void WriteOps::rolled_back() { last_seqs_.clear(); }

core::Result<int64_t*> WriteOps::last_seq(const std::string& room) {
  if (auto cached = last_seqs_.find(room); cached != last_seqs_.end()) return &cached->second;
  core::Result<int64_t> last = ensure_room(room);
  if (!last) return last.error();
  return &last_seqs_.emplace(room, *last).first->second;
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
  if (auto cached = last_seqs_.find(room); cached != last_seqs_.end()) return cached->second;
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

core::Result<std::string> WriteOps::keep_setting(const std::string& name, const std::string& value_if_absent) {
  {
    Query insert(insert_setting_);
    insert.bind(1, name).bind(2, value_if_absent);
    if (auto done = insert.run(); !done) return done.error();
  }
  Query select(select_setting_);
  select.bind(1, name);
  core::Result<bool> row = select.step();
  if (!row) return row.error();
  if (!*row) return missing_row("keep_setting");
  return std::string(select.text(0));
}

core::Result<StoredMessage> WriteOps::append_message(NewMessage message) {
  core::Result<int64_t*> last = last_seq(message.room);
  if (!last) return last.error();
  const int64_t seq = **last + 1;
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
  **last = seq;
  return StoredMessage{std::move(message.id),        std::move(message.room), seq,
                       message.from_id,              std::move(message.from_name),
                       std::move(message.text),      message.ts,
                       std::move(message.client_msg_id)};
}

}  // namespace parley::store::sqlite

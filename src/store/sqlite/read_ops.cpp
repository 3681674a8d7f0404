#include "store/sqlite/read_ops.hpp"

#include <algorithm>
#include <utility>

namespace parley::store::sqlite {

namespace {

#define PARLEY_MESSAGE_COLUMNS "room, seq, id, from_id, from_name, text, ts, client_msg_id"

constexpr const char* kFindUser = "SELECT id, username, password_hash FROM users WHERE username = ?1";
constexpr const char* kFindUserById = "SELECT id, username FROM users WHERE id = ?1";
// No row when the room does not exist; 0 for a room without messages.
constexpr const char* kRoomLastSeq =
    "SELECT (SELECT coalesce(max(seq), 0) FROM messages WHERE room = ?1) FROM rooms WHERE name = ?1";
constexpr const char* kListRooms = "SELECT name FROM rooms ORDER BY name";
// History walks the (room, seq) primary key backwards from the newest or from `before`, then is reversed.
constexpr const char* kNewest =
    "SELECT " PARLEY_MESSAGE_COLUMNS " FROM messages WHERE room = ?1 ORDER BY seq DESC LIMIT ?2";
constexpr const char* kBefore =
    "SELECT " PARLEY_MESSAGE_COLUMNS " FROM messages WHERE room = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3";
constexpr const char* kAfter =
    "SELECT " PARLEY_MESSAGE_COLUMNS " FROM messages WHERE room = ?1 AND seq > ?2 ORDER BY seq ASC LIMIT ?3";
constexpr const char* kPing = "SELECT 1";

#undef PARLEY_MESSAGE_COLUMNS

int64_t clamp_limit(int limit) { return std::clamp(limit, kMinHistoryLimit, kMaxHistoryLimit); }

// Reads every row of a message query (columns in PARLEY_MESSAGE_COLUMNS order).
core::Result<std::vector<StoredMessage>> read_messages(Query& query) {
  std::vector<StoredMessage> messages;
  while (true) {
    core::Result<bool> row = query.step();
    if (!row) return row.error();
    if (!*row) return messages;
    StoredMessage& m = messages.emplace_back();
    m.room = query.text(0);
    m.seq = query.int64(1);
    m.id = query.text(2);
    m.from_id = query.int64(3);
    m.from_name = query.text(4);
    m.text = query.text(5);
    m.ts = query.int64(6);
    m.client_msg_id = query.text(7);
  }
}

}  // namespace

core::Result<ReadOps> ReadOps::prepare(Connection& connection) {
  ReadOps ops;
  const std::pair<Statement*, const char*> statements[] = {
      {&ops.find_user_, kFindUser}, {&ops.find_user_by_id_, kFindUserById}, {&ops.room_last_seq_, kRoomLastSeq},
      {&ops.list_rooms_, kListRooms}, {&ops.newest_, kNewest}, {&ops.before_, kBefore},
      {&ops.after_, kAfter}, {&ops.ping_, kPing},
  };
  for (const auto& [statement, sql] : statements) {
    core::Result<Statement> prepared = connection.prepare(sql);
    if (!prepared) return prepared.error();
    *statement = std::move(*prepared);
  }
  return ops;
}

core::Result<UserCredentials> ReadOps::find_user(const std::string& username) {
  Query query(find_user_);
  query.bind(1, username);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  if (!*row) return core::Error{core::ErrorCode::not_found, "no user named '" + username + "'"};
  return UserCredentials{User{query.int64(0), query.text(1)}, query.text(2)};
}

core::Result<User> ReadOps::find_user_by_id(int64_t id) {
  Query query(find_user_by_id_);
  query.bind(1, id);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  if (!*row) return core::Error{core::ErrorCode::not_found, "no user with id " + std::to_string(id)};
  return User{query.int64(0), query.text(1)};
}

core::Result<std::optional<int64_t>> ReadOps::room_last_seq(const std::string& room) {
  Query query(room_last_seq_);
  query.bind(1, room);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  if (!*row) return std::optional<int64_t>{};
  return std::optional<int64_t>{query.int64(0)};
}

core::Result<std::vector<std::string>> ReadOps::list_rooms() {
  Query query(list_rooms_);
  std::vector<std::string> rooms;
  while (true) {
    core::Result<bool> row = query.step();
    if (!row) return row.error();
    if (!*row) return rooms;
    rooms.push_back(query.text(0));
  }
}

core::Result<std::vector<StoredMessage>> ReadOps::messages_before(const std::string& room,
                                                                  std::optional<int64_t> before, int limit) {
  Query query(before ? before_ : newest_);
  query.bind(1, room);
  if (before) {
    query.bind(2, *before).bind(3, clamp_limit(limit));
  } else {
    query.bind(2, clamp_limit(limit));
  }
  core::Result<std::vector<StoredMessage>> messages = read_messages(query);
  if (messages) std::reverse(messages->begin(), messages->end());
  return messages;
}

core::Result<std::vector<StoredMessage>> ReadOps::messages_after(const std::string& room, int64_t after,
                                                                 int limit) {
  Query query(after_);
  query.bind(1, room).bind(2, after).bind(3, clamp_limit(limit));
  return read_messages(query);
}

core::Result<core::Unit> ReadOps::ping() {
  Query query(ping_);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  return core::Unit{};
}

}  // namespace parley::store::sqlite

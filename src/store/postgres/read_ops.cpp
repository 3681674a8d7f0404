#include "store/postgres/read_ops.hpp"

#include <algorithm>
#include <utility>

namespace parley::store::postgres {

namespace {

#define PARLEY_MESSAGE_COLUMNS "room, seq, id, from_id, from_name, text, ts, client_msg_id"

struct Prepared {
  const char* name;
  const char* sql;
};

// History walks the (room, seq) primary key backwards from the newest or from `before`, then is reversed.
constexpr Prepared kStatements[] = {
    {"find_user", "SELECT id, username, password_hash FROM users WHERE username = $1"},
    {"find_user_by_id", "SELECT id, username FROM users WHERE id = $1"},
    {"room_last_seq", "SELECT last_seq FROM rooms WHERE name = $1"},
    {"list_rooms", "SELECT name FROM rooms ORDER BY name"},
    {"newest", "SELECT " PARLEY_MESSAGE_COLUMNS " FROM messages WHERE room = $1 ORDER BY seq DESC LIMIT $2"},
    {"before",
     "SELECT " PARLEY_MESSAGE_COLUMNS " FROM messages WHERE room = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"},
    {"after",
     "SELECT " PARLEY_MESSAGE_COLUMNS " FROM messages WHERE room = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3"},
    {"ping", "SELECT 1"},
};

#undef PARLEY_MESSAGE_COLUMNS

int64_t clamp_limit(int limit) { return std::clamp(limit, kMinHistoryLimit, kMaxHistoryLimit); }

// The messages of a message query's rows (columns in PARLEY_MESSAGE_COLUMNS order).
std::vector<StoredMessage> to_messages(const Rows& rows) {
  std::vector<StoredMessage> messages;
  messages.reserve(static_cast<size_t>(rows.size()));
  for (int r = 0; r < rows.size(); ++r) {
    StoredMessage& m = messages.emplace_back();
    m.room = rows.text(r, 0);
    m.seq = rows.int64(r, 1);
    m.id = rows.text(r, 2);
    m.from_id = rows.int64(r, 3);
    m.from_name = rows.text(r, 4);
    m.text = rows.text(r, 5);
    m.ts = rows.int64(r, 6);
    m.client_msg_id = rows.text(r, 7);
  }
  return messages;
}

}  // namespace

core::Result<ReadOps> ReadOps::prepare(Connection& connection) {
  for (const Prepared& statement : kStatements) {
    if (auto prepared = connection.prepare(statement.name, statement.sql); !prepared) return prepared.error();
  }
  return ReadOps(connection);
}

core::Result<UserCredentials> ReadOps::find_user(const std::string& username) {
  core::Result<Rows> rows = connection_->run("find_user", Params().add(username), "find_user");
  if (!rows) return rows.error();
  if (rows->size() == 0) return core::Error{core::ErrorCode::not_found, "no user named '" + username + "'"};
  return UserCredentials{User{rows->int64(0, 0), rows->text(0, 1)}, rows->text(0, 2)};
}

core::Result<User> ReadOps::find_user_by_id(int64_t id) {
  core::Result<Rows> rows = connection_->run("find_user_by_id", Params().add(id), "find_user_by_id");
  if (!rows) return rows.error();
  if (rows->size() == 0) return core::Error{core::ErrorCode::not_found, "no user with id " + std::to_string(id)};
  return User{rows->int64(0, 0), rows->text(0, 1)};
}

core::Result<std::optional<int64_t>> ReadOps::room_last_seq(const std::string& room) {
  core::Result<Rows> rows = connection_->run("room_last_seq", Params().add(room), "room_last_seq");
  if (!rows) return rows.error();
  if (rows->size() == 0) return std::optional<int64_t>{};
  return std::optional<int64_t>{rows->int64(0, 0)};
}

core::Result<std::vector<std::string>> ReadOps::list_rooms() {
  core::Result<Rows> rows = connection_->run("list_rooms", Params(), "list_rooms");
  if (!rows) return rows.error();
  std::vector<std::string> rooms;
  rooms.reserve(static_cast<size_t>(rows->size()));
  for (int r = 0; r < rows->size(); ++r) rooms.push_back(rows->text(r, 0));
  return rooms;
}

core::Result<std::vector<StoredMessage>> ReadOps::messages_before(const std::string& room,
                                                                  std::optional<int64_t> before, int limit) {
  core::Result<Rows> rows =
      before ? connection_->run("before", Params().add(room).add(*before).add(clamp_limit(limit)), "history")
             : connection_->run("newest", Params().add(room).add(clamp_limit(limit)), "history");
  if (!rows) return rows.error();
  std::vector<StoredMessage> messages = to_messages(*rows);
  std::reverse(messages.begin(), messages.end());
  return messages;
}

core::Result<std::vector<StoredMessage>> ReadOps::messages_after(const std::string& room, int64_t after,
                                                                 int limit) {
  core::Result<Rows> rows =
      connection_->run("after", Params().add(room).add(after).add(clamp_limit(limit)), "history");
  if (!rows) return rows.error();
  return to_messages(*rows);
}

core::Result<core::Unit> ReadOps::ping() {
  core::Result<Rows> rows = connection_->run("ping", Params(), "ping");
  if (!rows) return rows.error();
  return core::Unit{};
}

}  // namespace parley::store::postgres

#include "store/postgres/read_ops.hpp"

#include <algorithm>
#include <utility>

#include "store/common/errors.hpp"
#include "store/common/rows.hpp"

namespace parley::store::postgres {

namespace {

struct Prepared {
  const char* name;
  const char* sql;
};

// History walks the (room, seq) primary key backwards from the newest or from `before`, then is reversed.
constexpr Prepared kStatements[] = {
    {"find_user", "SELECT id, username, password_hash FROM users WHERE username = $1"},
    {"find_user_by_id", "SELECT id, username FROM users WHERE id = $1"},
    {"room_last_seq", "SELECT last_seq FROM rooms WHERE name = $1"},
    // Conversations are rooms too (store.hpp), but not listed ones.
    {"list_rooms", "SELECT name FROM rooms WHERE name > $1 AND name NOT LIKE 'dm:%' ORDER BY name LIMIT $2"},
    {"newest", "SELECT " PARLEY_STORE_MESSAGE_COLUMNS " FROM messages WHERE room = $1 ORDER BY seq DESC LIMIT $2"},
    {"before",
     "SELECT " PARLEY_STORE_MESSAGE_COLUMNS " FROM messages WHERE room = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"},
    {"after",
     "SELECT " PARLEY_STORE_MESSAGE_COLUMNS " FROM messages WHERE room = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3"},
    {"ping", "SELECT 1"},
    {"known_join",
     "SELECT rm.last_seq, coalesce((SELECT seq FROM read_markers WHERE user_id = $1 AND room = $2), 0) "
     "FROM memberships m JOIN rooms rm ON rm.name = m.room WHERE m.user_id = $1 AND m.room = $2"},
    {"user_rooms",
     "SELECT m.room, rm.last_seq, coalesce(r.seq, 0), "
     "(SELECT count(*) FROM messages x WHERE x.room = m.room AND x.seq > coalesce(r.seq, 0) AND x.from_id <> $1) "
     "FROM memberships m JOIN rooms rm ON rm.name = m.room "
     "LEFT JOIN read_markers r ON r.user_id = m.user_id AND r.room = m.room WHERE m.user_id = $1 ORDER BY m.room"},
    // The last message's columns come last, in PARLEY_STORE_MESSAGE_COLUMNS order.
    {"conversations",
     "SELECT c.other_id, u.username, c.room, rm.last_seq, coalesce(r.seq, 0), "
     "(SELECT count(*) FROM messages x WHERE x.room = c.room AND x.seq > coalesce(r.seq, 0) AND x.from_id <> $1), "
     "l.room, l.seq, l.id, l.from_id, l.from_name, l.text, l.ts, l.client_msg_id "
     "FROM conversations c JOIN users u ON u.id = c.other_id JOIN rooms rm ON rm.name = c.room "
     "LEFT JOIN read_markers r ON r.user_id = c.user_id AND r.room = c.room "
     "LEFT JOIN messages l ON l.room = c.room AND l.seq = rm.last_seq "
     "WHERE c.user_id = $1 ORDER BY l.ts DESC NULLS LAST"},
};

// The messages of a message query's rows.
std::vector<StoredMessage> to_messages(const Rows& rows) {
  std::vector<StoredMessage> messages;
  messages.reserve(static_cast<size_t>(rows.size()));
  for (int r = 0; r < rows.size(); ++r) messages.push_back(common::message_at(rows.row(r)));
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
  if (rows->size() == 0) return common::no_user_named(username);
  return common::credentials_at(rows->row(0));
}

core::Result<User> ReadOps::find_user_by_id(int64_t id) {
  core::Result<Rows> rows = connection_->run("find_user_by_id", Params().add(id), "find_user_by_id");
  if (!rows) return rows.error();
  if (rows->size() == 0) return common::no_user_with_id(id);
  return common::user_at(rows->row(0));
}

core::Result<std::optional<int64_t>> ReadOps::room_last_seq(const std::string& room) {
  core::Result<Rows> rows = connection_->run("room_last_seq", Params().add(room), "room_last_seq");
  if (!rows) return rows.error();
  if (rows->size() == 0) return std::optional<int64_t>{};
  return std::optional<int64_t>{rows->int64(0, 0)};
}

core::Result<std::vector<std::string>> ReadOps::list_rooms(const std::string& after, int limit) {
  core::Result<Rows> rows =
      connection_->run("list_rooms", Params().add(after).add(common::clamp_history_limit(limit)), "list_rooms");
  if (!rows) return rows.error();
  std::vector<std::string> rooms;
  rooms.reserve(static_cast<size_t>(rows->size()));
  for (int r = 0; r < rows->size(); ++r) rooms.push_back(rows->text(r, 0));
  return rooms;
}

core::Result<std::vector<StoredMessage>> ReadOps::messages_before(const std::string& room,
                                                                  std::optional<int64_t> before, int limit) {
  const int64_t clamped = common::clamp_history_limit(limit);
  core::Result<Rows> rows = before ? connection_->run("before", Params().add(room).add(*before).add(clamped), "history")
                                   : connection_->run("newest", Params().add(room).add(clamped), "history");
  if (!rows) return rows.error();
  std::vector<StoredMessage> messages = to_messages(*rows);
  std::reverse(messages.begin(), messages.end());
  return messages;
}

core::Result<std::vector<StoredMessage>> ReadOps::messages_after(const std::string& room, int64_t after,
                                                                 int limit) {
  core::Result<Rows> rows =
      connection_->run("after", Params().add(room).add(after).add(common::clamp_history_limit(limit)), "history");
  if (!rows) return rows.error();
  return to_messages(*rows);
}

core::Result<core::Unit> ReadOps::ping() {
  core::Result<Rows> rows = connection_->run("ping", Params(), "ping");
  if (!rows) return rows.error();
  return core::Unit{};
}

core::Result<std::optional<RoomJoin>> ReadOps::known_join(int64_t user_id, const std::string& room) {
  core::Result<Rows> rows = connection_->run("known_join", Params().add(user_id).add(room), "join_room");
  if (!rows) return rows.error();
  if (rows->size() == 0) return std::optional<RoomJoin>{};
  return std::optional<RoomJoin>{common::join_at(rows->row(0))};
}

core::Result<std::vector<ReadState>> ReadOps::user_rooms(int64_t user_id) {
  core::Result<Rows> rows = connection_->run("user_rooms", Params().add(user_id), "user_rooms");
  if (!rows) return rows.error();
  std::vector<ReadState> rooms;
  for (int r = 0; r < rows->size(); ++r) {
    ReadState& room = rooms.emplace_back(common::read_state_at(rows->row(r)));
    room.unread = rows->int64(r, 3);
  }
  return rooms;
}

core::Result<std::vector<Conversation>> ReadOps::conversations(int64_t user_id) {
  core::Result<Rows> rows = connection_->run("conversations", Params().add(user_id), "conversations");
  if (!rows) return rows.error();
  std::vector<Conversation> list;
  for (int r = 0; r < rows->size(); ++r) {
    Conversation& c = list.emplace_back(common::conversation_at(rows->row(r)));
    c.state.unread = rows->int64(r, 5);
    c.last = common::message_at(rows->row(r), 6);
  }
  return list;
}

}  // namespace parley::store::postgres

#include "store/sqlite/read_ops.hpp"

#include <algorithm>
#include <utility>

#include "store/common/errors.hpp"
#include "store/common/rows.hpp"

namespace parley::store::sqlite {

namespace {

constexpr const char* kFindUser = "SELECT id, username, password_hash FROM users WHERE username = ?1";
constexpr const char* kFindUserById = "SELECT id, username FROM users WHERE id = ?1";
// No row when the room does not exist; 0 for a room without messages.
constexpr const char* kRoomLastSeq =
    "SELECT (SELECT coalesce(max(seq), 0) FROM messages WHERE room = ?1) FROM rooms WHERE name = ?1";
// Conversations are rooms too (store.hpp), but not listed ones.
constexpr const char* kListRooms =
    "SELECT name FROM rooms WHERE name > ?1 AND name NOT LIKE 'dm:%' ORDER BY name LIMIT ?2";
// History walks the (room, seq) primary key backwards from the newest or from `before`, then is reversed.
constexpr const char* kNewest =
    "SELECT " PARLEY_STORE_MESSAGE_COLUMNS " FROM messages WHERE room = ?1 ORDER BY seq DESC LIMIT ?2";
constexpr const char* kBefore = "SELECT " PARLEY_STORE_MESSAGE_COLUMNS
                                " FROM messages WHERE room = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3";
constexpr const char* kAfter = "SELECT " PARLEY_STORE_MESSAGE_COLUMNS
                               " FROM messages WHERE room = ?1 AND seq > ?2 ORDER BY seq ASC LIMIT ?3";
constexpr const char* kPing = "SELECT 1";
// A row only when the room exists and the user is a member.
constexpr const char* kKnownJoin =
    "SELECT (SELECT coalesce(max(seq), 0) FROM messages WHERE room = ?2), "
    "coalesce((SELECT seq FROM read_markers WHERE user_id = ?1 AND room = ?2), 0) "
    "FROM memberships WHERE user_id = ?1 AND room = ?2";
constexpr const char* kUserRooms =
    "SELECT m.room, (SELECT coalesce(max(seq), 0) FROM messages WHERE room = m.room), coalesce(r.seq, 0) "
    "FROM memberships m LEFT JOIN read_markers r ON r.user_id = m.user_id AND r.room = m.room "
    "WHERE m.user_id = ?1 ORDER BY m.room";
constexpr const char* kConversations =
    "SELECT c.other_id, u.username, c.room, (SELECT coalesce(max(seq), 0) FROM messages WHERE room = c.room), "
    "coalesce(r.seq, 0) FROM conversations c JOIN users u ON u.id = c.other_id "
    "LEFT JOIN read_markers r ON r.user_id = c.user_id AND r.room = c.room WHERE c.user_id = ?1";
constexpr const char* kUnread = "SELECT count(*) FROM messages WHERE room = ?1 AND seq > ?2 AND from_id <> ?3";
constexpr const char* kMessageAt =
    "SELECT " PARLEY_STORE_MESSAGE_COLUMNS " FROM messages WHERE room = ?1 AND seq = ?2";

// Reads every row of a message query (columns in PARLEY_STORE_MESSAGE_COLUMNS order).
core::Result<std::vector<StoredMessage>> read_messages(Query& query) {
  std::vector<StoredMessage> messages;
  while (true) {
    core::Result<bool> row = query.step();
    if (!row) return row.error();
    if (!*row) return messages;
    messages.push_back(common::message_at(query));
  }
}

}  // namespace

core::Result<ReadOps> ReadOps::prepare(Connection& connection) {
  ReadOps ops;
  const std::pair<Statement*, const char*> statements[] = {
      {&ops.find_user_, kFindUser}, {&ops.find_user_by_id_, kFindUserById}, {&ops.room_last_seq_, kRoomLastSeq},
      {&ops.list_rooms_, kListRooms}, {&ops.newest_, kNewest}, {&ops.before_, kBefore},
      {&ops.after_, kAfter}, {&ops.ping_, kPing}, {&ops.known_join_, kKnownJoin}, {&ops.user_rooms_, kUserRooms},
      {&ops.conversations_, kConversations}, {&ops.unread_, kUnread}, {&ops.message_at_, kMessageAt},
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
  if (!*row) return common::no_user_named(username);
  return common::credentials_at(query);
}

core::Result<User> ReadOps::find_user_by_id(int64_t id) {
  Query query(find_user_by_id_);
  query.bind(1, id);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  if (!*row) return common::no_user_with_id(id);
  return common::user_at(query);
}

core::Result<std::optional<int64_t>> ReadOps::room_last_seq(const std::string& room) {
  Query query(room_last_seq_);
  query.bind(1, room);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  if (!*row) return std::optional<int64_t>{};
  return std::optional<int64_t>{query.int64(0)};
}

core::Result<std::vector<std::string>> ReadOps::list_rooms(const std::string& after, int limit) {
  Query query(list_rooms_);
  query.bind(1, after).bind(2, common::clamp_history_limit(limit));
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
    query.bind(2, *before).bind(3, common::clamp_history_limit(limit));
  } else {
    query.bind(2, common::clamp_history_limit(limit));
  }
  core::Result<std::vector<StoredMessage>> messages = read_messages(query);
  if (messages) std::reverse(messages->begin(), messages->end());
  return messages;
}

core::Result<std::vector<StoredMessage>> ReadOps::messages_after(const std::string& room, int64_t after,
                                                                 int limit) {
  Query query(after_);
  query.bind(1, room).bind(2, after).bind(3, common::clamp_history_limit(limit));
  return read_messages(query);
}

core::Result<core::Unit> ReadOps::ping() {
  Query query(ping_);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  return core::Unit{};
}

core::Result<std::optional<RoomJoin>> ReadOps::known_join(int64_t user_id, const std::string& room) {
  Query query(known_join_);
  query.bind(1, user_id).bind(2, room);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  if (!*row) return std::optional<RoomJoin>{};
  return std::optional<RoomJoin>{common::join_at(query)};
}

core::Result<int64_t> ReadOps::unread(int64_t user_id, const std::string& room, int64_t read_seq) {
  Query query(unread_);
  query.bind(1, room).bind(2, read_seq).bind(3, user_id);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  return *row ? query.int64(0) : 0;
}

core::Result<std::vector<ReadState>> ReadOps::user_rooms(int64_t user_id) {
  std::vector<ReadState> rooms;
  {
    Query query(user_rooms_);
    query.bind(1, user_id);
    while (true) {
      core::Result<bool> row = query.step();
      if (!row) return row.error();
      if (!*row) break;
      rooms.push_back(common::read_state_at(query));
    }
  }
  for (ReadState& room : rooms) {
    core::Result<int64_t> count = unread(user_id, room.room, room.read_seq);
    if (!count) return count.error();
    room.unread = *count;
  }
  return rooms;
}

core::Result<std::vector<Conversation>> ReadOps::conversations(int64_t user_id) {
  std::vector<Conversation> list;
  {
    Query query(conversations_);
    query.bind(1, user_id);
    while (true) {
      core::Result<bool> row = query.step();
      if (!row) return row.error();
      if (!*row) break;
      list.push_back(common::conversation_at(query));
    }
  }
  for (Conversation& c : list) {
    core::Result<int64_t> count = unread(user_id, c.state.room, c.state.read_seq);
    if (!count) return count.error();
    c.state.unread = *count;
    Query query(message_at_);
    query.bind(1, c.state.room).bind(2, c.state.last_seq);
    core::Result<std::vector<StoredMessage>> last = read_messages(query);
    if (!last) return last.error();
    if (!last->empty()) c.last = std::move(last->front());
  }
  std::stable_sort(list.begin(), list.end(), [](const Conversation& a, const Conversation& b) {
    return a.last.ts > b.last.ts;
  });
  return list;
}

}  // namespace parley::store::sqlite

#pragma once
// Row → struct mapping, written once for both backends. A `Row` is anything that reads the current row's
// columns by 0-based index: `int64_t int64(int) const` and `std::string text(int) const` (an SQLite Query on
// a row, a PostgreSQL Rows::row(r)). Each mapper reads its columns from `at` on, in the order documented.
// Also the shape every backend's queries share: the message columns and the clamp of history limits.
// Thread safety: stateless.
#include <algorithm>
#include <cstdint>
#include <string>

#include "store/store.hpp"

// The columns of a stored message, in the order message_at() reads them (a macro, so that it can be pasted
// into SQL string literals).
#define PARLEY_STORE_MESSAGE_COLUMNS "room, seq, id, from_id, from_name, text, ts, client_msg_id"

namespace parley::store::common {

// The bounds every history query is clamped to, whatever the caller asked for.
inline constexpr int kMinHistoryLimit = 1;
inline constexpr int kMaxHistoryLimit = 1000;

// `limit` clamped to [kMinHistoryLimit, kMaxHistoryLimit].
inline int64_t clamp_history_limit(int limit) { return std::clamp(limit, kMinHistoryLimit, kMaxHistoryLimit); }

// A user from columns (id, username).
template <class Row>
User user_at(const Row& row, int at = 0) {
  return User{row.int64(at), row.text(at + 1)};
}

// A user and their password hash from columns (id, username, password_hash).
template <class Row>
UserCredentials credentials_at(const Row& row, int at = 0) {
  return UserCredentials{user_at(row, at), row.text(at + 2)};
}

// A message from columns in PARLEY_STORE_MESSAGE_COLUMNS order.
template <class Row>
StoredMessage message_at(const Row& row, int at = 0) {
  StoredMessage m;
  m.room = row.text(at);
  m.seq = row.int64(at + 1);
  m.id = row.text(at + 2);
  m.from_id = row.int64(at + 3);
  m.from_name = row.text(at + 4);
  m.text = row.text(at + 5);
  m.ts = row.int64(at + 6);
  m.client_msg_id = row.text(at + 7);
  return m;
}

// A room's read state from columns (room, last_seq, read_seq); `unread` is left 0 for the caller.
template <class Row>
ReadState read_state_at(const Row& row, int at = 0) {
  return ReadState{.room = row.text(at), .last_seq = row.int64(at + 1), .read_seq = row.int64(at + 2)};
}

// A join's answer from columns (last_seq, read_seq).
template <class Row>
RoomJoin join_at(const Row& row, int at = 0) {
  return RoomJoin{row.int64(at), row.int64(at + 1)};
}

// A conversation from columns (other id, other username, room, last_seq, read_seq); `state.unread` and `last`
// are left for the caller.
template <class Row>
Conversation conversation_at(const Row& row, int at = 0) {
  Conversation c;
  c.with = user_at(row, at);
  c.state = read_state_at(row, at + 2);
  return c;
}

}  // namespace parley::store::common

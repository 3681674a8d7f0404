#include "store/postgres/write_ops.hpp"

#include <utility>

#include "core/clock.hpp"
#include "store/common/errors.hpp"
#include "store/common/rows.hpp"

namespace parley::store::postgres {

namespace {

struct Prepared {
  const char* name;
  const char* sql;
};

constexpr Prepared kStatements[] = {
    {"insert_user",
     "INSERT INTO users (username, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id"},
    {"insert_room",
     "INSERT INTO rooms (name, last_seq, created_at) VALUES ($1, 0, $2) ON CONFLICT (name) DO NOTHING"},
    {"select_last_seq", "SELECT last_seq FROM rooms WHERE name = $1"},
    {"insert_setting", "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"},
    // A statement of its own (so, in READ COMMITTED, a snapshot taken after the insert): it sees the value
    // of another node whose insert won the conflict.
    {"select_setting", "SELECT value FROM settings WHERE name = $1"},
    // Takes the key when it is free or stale (a row only then). Another node's transaction holding the same
    // key makes this wait for its outcome, so two concurrent resends store one message.
    {"claim_key",
     "INSERT INTO idempotency_keys (user_id, client_msg_id, room, seq, ts) VALUES ($1, $2, '', 0, $3) "
     "ON CONFLICT (user_id, client_msg_id) DO UPDATE SET room = '', seq = 0, ts = excluded.ts "
     "WHERE idempotency_keys.ts < $4 RETURNING 1"},
    // The columns in PARLEY_STORE_MESSAGE_COLUMNS order (common::message_at).
    {"keyed_message",
     "SELECT m.room, m.seq, m.id, m.from_id, m.from_name, m.text, m.ts, m.client_msg_id "
     "FROM idempotency_keys k JOIN messages m ON m.room = k.room AND m.seq = k.seq "
     "WHERE k.user_id = $1 AND k.client_msg_id = $2"},
    {"record_key", "UPDATE idempotency_keys SET room = $3, seq = $4 WHERE user_id = $1 AND client_msg_id = $2"},
    {"insert_conversation",
     "INSERT INTO conversations (user_id, other_id, room) VALUES ($1, $2, $3), ($2, $1, $3) ON CONFLICT DO NOTHING"},
    {"insert_membership",
     "INSERT INTO memberships (user_id, room, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"},
    {"delete_membership", "DELETE FROM memberships WHERE user_id = $1 AND room = $2"},
    {"select_read_seq", "SELECT seq FROM read_markers WHERE user_id = $1 AND room = $2"},
    {"mark_read",
     "INSERT INTO read_markers (user_id, room, seq) "
     "VALUES ($1, $2, LEAST($3::bigint, coalesce((SELECT last_seq FROM rooms WHERE name = $2), 0))) "
     "ON CONFLICT (user_id, room) DO UPDATE SET seq = GREATEST(read_markers.seq, excluded.seq) RETURNING seq"},
    {"prune_keys", "DELETE FROM idempotency_keys WHERE ts < $1"},
    {"room_exists", "SELECT 1 FROM rooms WHERE name = $1"},
    {"rooms_created_by", "SELECT count(*) FROM rooms WHERE created_by = $1"},
    {"insert_room_by",
     "INSERT INTO rooms (name, last_seq, created_at, created_by) VALUES ($1, 0, $2, $3) ON CONFLICT (name) DO NOTHING"},
    // The seq and the message in one round trip. The upsert locks the room's row until COMMIT, so appends of
    // every node to one room are serialised and their seqs are consecutive.
    {"append",
     "WITH next AS ("
     "  INSERT INTO rooms (name, last_seq, created_at) VALUES ($1::text, 1, $2::bigint) "
     "  ON CONFLICT (name) DO UPDATE SET last_seq = rooms.last_seq + 1 RETURNING last_seq) "
     "INSERT INTO messages (room, seq, id, from_id, from_name, text, ts, client_msg_id) "
     "SELECT $1::text, next.last_seq, $3::text, $4::bigint, $5::text, $6::text, $7::bigint, $8::text FROM next "
     "RETURNING seq"},
};

}  // namespace

core::Result<WriteOps> WriteOps::prepare(Connection& connection) {
  if (auto set = connection.exec("SET synchronous_commit TO on", "setting synchronous_commit"); !set) {
    return set.error();
  }
  for (const Prepared& statement : kStatements) {
    if (auto prepared = connection.prepare(statement.name, statement.sql); !prepared) return prepared.error();
  }
  return WriteOps(connection);
}

core::Result<User> WriteOps::create_user(const std::string& username, const std::string& password_hash) {
  core::Result<Rows> rows =
      connection_->run("insert_user", Params().add(username).add(password_hash).add(core::now_ms()), "create_user");
  if (!rows) {
    if (rows.error().code == core::ErrorCode::conflict) {
      return common::username_taken(username);
    }
    return rows.error();
  }
  if (rows->size() == 0) return common::missing_row("create_user");
  return User{rows->int64(0, 0), username};
}

core::Result<int64_t> WriteOps::ensure_room(const std::string& room) {
  if (auto inserted = connection_->run("insert_room", Params().add(room).add(core::now_ms()), "ensure_room");
      !inserted) {
    return inserted.error();
  }
  core::Result<Rows> rows = connection_->run("select_last_seq", Params().add(room), "ensure_room");
  if (!rows) return rows.error();
  if (rows->size() == 0) return common::missing_row("ensure_room");
  return rows->int64(0, 0);
}

core::Result<std::string> WriteOps::keep_setting(const std::string& name, const std::string& value_if_absent) {
  if (auto inserted = connection_->run("insert_setting", Params().add(name).add(value_if_absent), "keep_setting");
      !inserted) {
    return inserted.error();
  }
  core::Result<Rows> rows = connection_->run("select_setting", Params().add(name), "keep_setting");
  if (!rows) return rows.error();
  if (rows->size() == 0) return common::missing_row("keep_setting");
  return rows->text(0, 0);
}

core::Result<StoredMessage> WriteOps::append_message(NewMessage message) {
  const bool keyed = !message.client_msg_id.empty();
  if (keyed) {
    core::Result<Rows> claimed = connection_->run(
        "claim_key",
        Params().add(message.from_id).add(message.client_msg_id).add(message.ts).add(message.ts - kIdempotencyWindowMs),
        "append_message");
    if (!claimed) return claimed.error();
    if (claimed->size() == 0) {
      core::Result<Rows> first =
          connection_->run("keyed_message", Params().add(message.from_id).add(message.client_msg_id), "append_message");
      if (!first) return first.error();
      if (first->size() == 0) return common::missing_row("the message of an idempotency key");
      StoredMessage stored = common::message_at(first->row(0));
      stored.replayed = true;
      return stored;
    }
  }
  Params params;
  params.add(message.room)
      .add(core::now_ms())
      .add(message.id)
      .add(message.from_id)
      .add(message.from_name)
      .add(message.text)
      .add(message.ts)
      .add(message.client_msg_id);
  core::Result<Rows> rows = connection_->run("append", params, "append_message");
  if (!rows) return rows.error();
  if (rows->size() == 0) return common::missing_row("append_message");
  const int64_t seq = rows->int64(0, 0);
  if (seq == 1) {
    if (auto users = conversation_users(message.room)) {
      core::Result<Rows> recorded = connection_->run(
          "insert_conversation", Params().add(users->first).add(users->second).add(message.room), "append_message");
      if (!recorded) return recorded.error();
    }
  }
  if (keyed) {
    core::Result<Rows> recorded = connection_->run(
        "record_key", Params().add(message.from_id).add(message.client_msg_id).add(message.room).add(seq),
        "append_message");
    if (!recorded) return recorded.error();
  }
  return StoredMessage{std::move(message.id),   std::move(message.room),      seq,
                       message.from_id,         std::move(message.from_name), std::move(message.text),
                       message.ts,              std::move(message.client_msg_id)};
}

core::Result<RoomJoin> WriteOps::join_room(int64_t user_id, const std::string& room, int64_t max_created) {
  core::Result<Rows> exists = connection_->run("room_exists", Params().add(room), "join_room");
  if (!exists) return exists.error();
  if (exists->size() == 0) {
    if (max_created > 0) {
      core::Result<Rows> count = connection_->run("rooms_created_by", Params().add(user_id), "join_room");
      if (!count) return count.error();
      if (count->size() > 0 && count->int64(0, 0) >= max_created) return common::too_many_rooms(max_created);
    }
    core::Result<Rows> inserted =
        connection_->run("insert_room_by", Params().add(room).add(core::now_ms()).add(user_id), "join_room");
    if (!inserted) return inserted.error();
  }
  core::Result<int64_t> last = ensure_room(room);
  if (!last) return last.error();
  if (auto joined = connection_->run("insert_membership", Params().add(user_id).add(room).add(core::now_ms()),
                                     "join_room");
      !joined) {
    return joined.error();
  }
  core::Result<Rows> read = connection_->run("select_read_seq", Params().add(user_id).add(room), "join_room");
  if (!read) return read.error();
  return RoomJoin{*last, read->size() > 0 ? read->int64(0, 0) : 0};
}

core::Result<core::Unit> WriteOps::leave_room(int64_t user_id, const std::string& room) {
  core::Result<Rows> left = connection_->run("delete_membership", Params().add(user_id).add(room), "leave_room");
  if (!left) return left.error();
  return core::Unit{};
}

core::Result<int64_t> WriteOps::mark_read(int64_t user_id, const std::string& room, int64_t seq) {
  core::Result<Rows> marked = connection_->run("mark_read", Params().add(user_id).add(room).add(seq), "mark_read");
  if (!marked) return marked.error();
  if (marked->size() == 0) return common::missing_row("mark_read");
  return marked->int64(0, 0);
}

core::Result<int64_t> WriteOps::prune_idempotency_keys(int64_t cutoff_ms) {
  core::Result<Rows> pruned = connection_->run("prune_keys", Params().add(cutoff_ms), "prune_idempotency_keys");
  if (!pruned) return pruned.error();
  return pruned->affected();
}

}  // namespace parley::store::postgres

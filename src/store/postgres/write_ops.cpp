#include "store/postgres/write_ops.hpp"

#include <utility>

#include "core/clock.hpp"

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

core::Error missing_row(std::string_view what) {
  return core::Error{core::ErrorCode::internal, std::string(what) + ": statement returned no row"};
}

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
      return core::Error{core::ErrorCode::conflict, "username '" + username + "' is taken"};
    }
    return rows.error();
  }
  if (rows->size() == 0) return missing_row("create_user");
  return User{rows->int64(0, 0), username};
}

core::Result<int64_t> WriteOps::ensure_room(const std::string& room) {
  if (auto inserted = connection_->run("insert_room", Params().add(room).add(core::now_ms()), "ensure_room");
      !inserted) {
    return inserted.error();
  }
  core::Result<Rows> rows = connection_->run("select_last_seq", Params().add(room), "ensure_room");
  if (!rows) return rows.error();
  if (rows->size() == 0) return missing_row("ensure_room");
  return rows->int64(0, 0);
}

core::Result<std::string> WriteOps::keep_setting(const std::string& name, const std::string& value_if_absent) {
  if (auto inserted = connection_->run("insert_setting", Params().add(name).add(value_if_absent), "keep_setting");
      !inserted) {
    return inserted.error();
  }
  core::Result<Rows> rows = connection_->run("select_setting", Params().add(name), "keep_setting");
  if (!rows) return rows.error();
  if (rows->size() == 0) return missing_row("keep_setting");
  return rows->text(0, 0);
}

core::Result<StoredMessage> WriteOps::append_message(NewMessage message) {
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
  if (!rows) {
    if (rows.error().code == core::ErrorCode::conflict) {
      return core::Error{core::ErrorCode::conflict, "message id '" + message.id + "' already exists"};
    }
    return rows.error();
  }
  if (rows->size() == 0) return missing_row("append_message");
  const int64_t seq = rows->int64(0, 0);
  return StoredMessage{std::move(message.id),   std::move(message.room),      seq,
                       message.from_id,         std::move(message.from_name), std::move(message.text),
                       message.ts,              std::move(message.client_msg_id)};
}

}  // namespace parley::store::postgres

#pragma once
// The SQL of every write, as statements prepared on the writer's connection and run inside the writer's open
// transaction, plus the transaction control the writer needs.
// Thread safety: none; owned and used by the writer thread only.
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "store/postgres/connection.hpp"
#include "store/store.hpp"

namespace parley::store::postgres {

class WriteOps {
 public:
  // Turns synchronous_commit on for the session (a COMMIT answers only once it is durable) and prepares every
  // write statement on `connection` (which must outlive the result).
  static core::Result<WriteOps> prepare(Connection& connection);

  // Inserts a user; conflict if the name is taken.
  core::Result<User> create_user(const std::string& username, const std::string& password_hash);
  // Inserts the room unless it exists; answers its last seq.
  core::Result<int64_t> ensure_room(const std::string& room);
  // In one statement: creates the room with seq 1 or increments its seq (locking its row until COMMIT, which
  // serialises appenders of every node), and inserts the message with that seq; conflict if the message id
  // exists (the caller's savepoint then undoes the seq increment).
  // With a clientMsgId it first takes the idempotency key (store.hpp); a conversation's first message also
  // records the conversation for both users.
  core::Result<StoredMessage> append_message(NewMessage message);
  // Store::join_room's write: the room (if new) and the membership; answers last seq and read seq.
  // A user who created `max_created` rooms (0: no limit) creates no other: forbidden.
  core::Result<RoomJoin> join_room(int64_t user_id, const std::string& room, int64_t max_created);
  core::Result<core::Unit> leave_room(int64_t user_id, const std::string& room);
  // Moves the read marker up to min(seq, last seq) in one statement; answers the stored marker.
  core::Result<int64_t> mark_read(int64_t user_id, const std::string& room, int64_t seq);
  core::Result<int64_t> prune_idempotency_keys(int64_t cutoff_ms);
  // Stores `value_if_absent` under `name` unless a value is there; answers the value now kept.
  core::Result<std::string> keep_setting(const std::string& name, const std::string& value_if_absent);

  // The connection, for transaction control.
  Connection& connection() { return *connection_; }

 private:
  explicit WriteOps(Connection& connection) : connection_(&connection) {}

  Connection* connection_;
};

}  // namespace parley::store::postgres

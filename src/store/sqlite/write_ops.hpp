#pragma once
// The SQL of every write, run on the writer thread inside the writer's open transaction.
//
// A room's last seq is the largest seq among its stored messages (read through the (room, seq) primary key;
// nothing else records it, so an append writes the message's row and index entries and nothing else). The writer
// keeps it in memory while this connection is the only writer: append_message is then one INSERT, with no
// savepoint, since one statement fails or succeeds whole. begin() drops the cache when another connection
// (another process on the same file) has committed since, and so does rolled_back(): the seqs it handed out
// were never stored.
// Thread safety: none; owned and used by the writer thread only.
#include <cstdint>
#include <string>
#include <unordered_map>

#include "core/error.hpp"
#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

namespace parley::store::sqlite {

class WriteOps {
 public:
  // Prepares every write statement on `connection` (which must outlive the result).
  static core::Result<WriteOps> prepare(Connection& connection);

  // Transaction hooks, called by the writer right after BEGIN and after a ROLLBACK.
  core::Result<core::Unit> begin();
  void rolled_back();

  // Inserts a user; conflict if the name is taken.
  core::Result<User> create_user(const std::string& username, const std::string& password_hash);
  // Inserts the room unless it exists; answers its last seq.
  core::Result<int64_t> ensure_room(const std::string& room);
  // Takes the room's next seq (creating the room if missing) and inserts the message with it; conflict if
  // the message id exists. Without a clientMsgId it needs no savepoint: on failure no message is stored and no
  // seq is used up; a room it created stays, as ensure_room would have made it, and so do the rows listing a
  // new conversation for its users. With a clientMsgId (the idempotency key, see store.hpp) it writes the key
  // after the message and must run in a savepoint.
  core::Result<StoredMessage> append_message(NewMessage message);
  // Store::join_room's write: the room (if new) and the membership; answers last seq and read seq.
  // A user who created `max_created` rooms (0: no limit) creates no other: forbidden.
  core::Result<RoomJoin> join_room(int64_t user_id, const std::string& room, int64_t max_created);
  core::Result<core::Unit> leave_room(int64_t user_id, const std::string& room);
  // Moves the read marker up to min(seq, last seq); answers the stored marker.
  core::Result<int64_t> mark_read(int64_t user_id, const std::string& room, int64_t seq);
  core::Result<int64_t> prune_idempotency_keys(int64_t cutoff_ms);
  // Stores `value_if_absent` under `name` unless a value is there; answers the value now kept.
  core::Result<std::string> keep_setting(const std::string& name, const std::string& value_if_absent);

 private:
  WriteOps() = default;
  using LastSeqs = std::unordered_map<std::string, int64_t>;
  // The room's cached last seq, read on first use (the room is created if missing).
  core::Result<int64_t*> last_seq(const std::string& room);
  // Takes (user, clientMsgId) for a new message: true when it was free (or older than the window).
  core::Result<bool> claim_key(int64_t user_id, const std::string& client_msg_id, int64_t ts);
  // The message a taken key recorded.
  core::Result<StoredMessage> keyed_message(int64_t user_id, const std::string& client_msg_id);
  core::Result<int64_t> read_seq(int64_t user_id, const std::string& room);

  Statement insert_user_;
  Statement insert_room_;
  Statement select_last_seq_;
  Statement insert_message_;
  Statement data_version_;
  Statement insert_setting_;
  Statement select_setting_;
  Statement claim_key_;
  Statement keyed_message_;
  Statement record_key_;
  Statement insert_conversation_;
  Statement insert_membership_;
  Statement delete_membership_;
  Statement select_read_seq_;
  Statement mark_read_;
  Statement prune_keys_;
  Statement room_exists_;
  Statement rooms_created_by_;
  Statement insert_room_by_;

  LastSeqs last_seqs_;
  int64_t data_version_seen_ = -1;
};

}  // namespace parley::store::sqlite

#pragma once
// The SQL of every write, run on the writer thread inside the writer's open transaction.
//
// Room seqs are kept in memory while this connection is the only writer: append_message is then one INSERT
// (no read-modify-write of rooms.last_seq per message, and no savepoint, since one statement fails or succeeds
// whole), and each room's last_seq row is written once per transaction, in before_commit(). begin() drops the
// cache when another connection (another process on the same file) has committed since, and so does
// rolled_back(): the seqs it handed out were never stored.
// Thread safety: none; owned and used by the writer thread only.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

namespace parley::store::sqlite {

class WriteOps {
 public:
  // Prepares every write statement on `connection` (which must outlive the result).
  static core::Result<WriteOps> prepare(Connection& connection);

  // Transaction hooks, called by the writer right after BEGIN, right before COMMIT and after a ROLLBACK.
  core::Result<core::Unit> begin();
  core::Result<core::Unit> before_commit();
  void rolled_back();

  // Inserts a user; conflict if the name is taken.
  core::Result<User> create_user(const std::string& username, const std::string& password_hash);
  // Inserts the room unless it exists; answers its last seq.
  core::Result<int64_t> ensure_room(const std::string& room);
  // Takes the room's next seq (creating the room if missing) and inserts the message with it; conflict if
  // the message id exists. Self-contained (needs no savepoint): on failure no message is stored and no seq is
  // used up; a room it created stays, as ensure_room would have made it.
  core::Result<StoredMessage> append_message(NewMessage message);

 private:
  struct RoomSeq {
    int64_t last = 0;
    bool written = true;  // last is in the rooms row (of this transaction)
  };

  WriteOps() = default;
  using RoomSeqs = std::unordered_map<std::string, RoomSeq>;
  // The room's cache entry, read from (or created in) the rooms table on first use.
  core::Result<RoomSeqs::value_type*> room_seq(const std::string& room);

  Statement insert_user_;
  Statement insert_room_;
  Statement select_last_seq_;
  Statement update_last_seq_;
  Statement insert_message_;
  Statement data_version_;

  RoomSeqs seqs_;
  std::vector<RoomSeqs::value_type*> unwritten_;  // rooms whose last moved in this transaction
  int64_t data_version_seen_ = -1;
};

}  // namespace parley::store::sqlite

#pragma once
// The SQL of every write, run on the writer thread inside the writer's open transaction.
// Thread safety: none; owned and used by the writer thread only.
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

namespace parley::store::sqlite {

class WriteOps {
 public:
  // Prepares every write statement on `connection` (which must outlive the result).
  static core::Result<WriteOps> prepare(Connection& connection);

  // Inserts a user; conflict if the name is taken.
  core::Result<User> create_user(const std::string& username, const std::string& password_hash);
  // Inserts the room unless it exists; answers its last seq.
  core::Result<int64_t> ensure_room(const std::string& room);
  // Creates the room if missing, takes its next seq and inserts the message with it; conflict if the message
  // id exists (the caller's savepoint then undoes the seq increment).
  core::Result<StoredMessage> append_message(NewMessage message);

 private:
  WriteOps() = default;

  Statement insert_user_;
  Statement insert_room_;
  Statement select_last_seq_;
  Statement next_seq_;
  Statement insert_message_;
};

}  // namespace parley::store::sqlite

#pragma once
// How a SqliteStore commits: the transaction side of its writer (store/common/writer.hpp), on the only write
// connection. A batch of write jobs runs in ONE transaction (BEGIN IMMEDIATE … COMMIT), each job inside its own
// savepoint so that one job's failure (say a taken username) is rolled back alone; a job that cannot leave
// partial changes (Savepoint::not_needed: one statement, or an append without a clientMsgId, see WriteOps)
// runs without one. If the transaction cannot begin or commit, every job of it answers an error instead. The
// file has one writer at a time (SQLite's own lock), so jobs are not ordered by lock key.
// Thread safety: none; owned and used by the writer thread only.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/common/write_job.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/write_ops.hpp"
#include "store/store.hpp"

namespace parley::store::sqlite {

class Committer {
 public:
  using Ops = WriteOps;
  using Job = common::WriteJob<WriteOps>;

  // Takes the configured and migrated write connection and prepares its statements.
  static core::Result<Committer> prepare(Connection connection);

  // Runs `jobs` in as few transactions as possible (one unless SQLite aborts a transaction midway); answers how
  // many committed.
  uint64_t run_batch(std::vector<std::unique_ptr<Job>>& jobs);
  // A local file does not disconnect.
  bool connected() const { return true; }

  // The lock key of a job writing `room` or creating `username`: none, SQLite locks the whole file.
  static std::string room_lock(const std::string& /*room*/) { return {}; }
  static std::string user_lock(const std::string& /*username*/) { return {}; }
  // What a job of one statement needs: none, SQLite undoes a failed statement on its own.
  static constexpr common::Savepoint kOneStatement = common::Savepoint::not_needed;
  // What an append needs: a savepoint only with a clientMsgId (see WriteOps::append_message).
  static common::Savepoint append_savepoint(const NewMessage& message) {
    return message.client_msg_id.empty() ? common::Savepoint::not_needed : common::Savepoint::needed;
  }

 private:
  struct TransactionStatements {
    Statement begin, commit, rollback, savepoint, release, rollback_to;
  };

  Committer(Connection connection, WriteOps ops, TransactionStatements transaction)
      : connection_(std::move(connection)), ops_(std::move(ops)), transaction_(std::move(transaction)) {}

  // Runs one job inside a savepoint (when it needs one); false when the enclosing transaction is gone or
  // unusable.
  bool run_in_savepoint(Job& job);
  // Rolls back the open transaction, if any, ignoring errors, and tells WriteOps.
  void rollback_quietly();

  Connection connection_;  // declared first: destroyed after the statements
  WriteOps ops_;
  TransactionStatements transaction_;
};

}  // namespace parley::store::sqlite

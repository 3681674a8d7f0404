#include "store/sqlite/committer.hpp"

#include <utility>

namespace parley::store::sqlite {

namespace {

core::Result<core::Unit> execute(Statement& statement) {
  Query query(statement);
  return query.run();
}

}  // namespace

core::Result<Committer> Committer::prepare(Connection connection) {
  core::Result<WriteOps> ops = WriteOps::prepare(connection);
  if (!ops) return ops.error();
  TransactionStatements transaction;
  const std::pair<Statement*, const char*> statements[] = {
      {&transaction.begin, "BEGIN IMMEDIATE"},     {&transaction.commit, "COMMIT"},
      {&transaction.rollback, "ROLLBACK"},         {&transaction.savepoint, "SAVEPOINT job"},
      {&transaction.release, "RELEASE SAVEPOINT job"}, {&transaction.rollback_to, "ROLLBACK TO SAVEPOINT job"},
  };
  for (const auto& [statement, sql] : statements) {
    core::Result<Statement> prepared = connection.prepare(sql);
    if (!prepared) return prepared.error();
    *statement = std::move(*prepared);
  }
  return Committer(std::move(connection), std::move(*ops), std::move(transaction));
}

uint64_t Committer::run_batch(std::vector<std::unique_ptr<Job>>& jobs) {
  uint64_t commits = 0;
  size_t next = 0;
  while (next < jobs.size()) {
    const size_t first = next;
    auto fail_from_first = [&](size_t end, const core::Error& error) {
      for (size_t i = first; i < end; ++i) jobs[i]->fail(error);
    };
    core::Result<core::Unit> begun = execute(transaction_.begin);
    if (begun) begun = ops_.begin();
    if (!begun) {
      // E.g. another process holds the write lock past the busy timeout: nothing of this batch can run.
      rollback_quietly();
      fail_from_first(jobs.size(), core::Error{begun.error().code == core::ErrorCode::unavailable
                                                   ? core::ErrorCode::unavailable
                                                   : core::ErrorCode::internal,
                                               "store transaction could not begin: " + begun.error().message});
      return commits;
    }
    bool transaction_lost = false;
    while (next < jobs.size() && !transaction_lost) {
      transaction_lost = !run_in_savepoint(*jobs[next]);
      ++next;
    }
    if (transaction_lost) {
      // SQLite aborted the transaction (disk full, I/O error…): everything done in it so far is gone. The jobs
      // left in the batch start over in a fresh transaction.
      rollback_quietly();
      fail_from_first(next, core::Error{core::ErrorCode::unavailable, "store transaction aborted"});
      continue;
    }
    core::Result<core::Unit> committed = execute(transaction_.commit);
    if (!committed) {
      rollback_quietly();
      fail_from_first(next, core::Error{committed.error().code == core::ErrorCode::unavailable
                                            ? core::ErrorCode::unavailable
                                            : core::ErrorCode::internal,
                                        "store commit failed: " + committed.error().message});
      continue;
    }
    ++commits;
  }
  return commits;
}

bool Committer::run_in_savepoint(Job& job) {
  if (job.savepoint() == common::Savepoint::not_needed) {
    job.run(ops_);
    return connection_.in_transaction();  // a failed statement may have made SQLite roll everything back
  }
  if (auto saved = execute(transaction_.savepoint); !saved) {
    job.fail(saved.error());
    return false;
  }
  const bool ok = job.run(ops_);
  if (!connection_.in_transaction()) return false;  // SQLite rolled the whole transaction back on its own
  if (!ok && !execute(transaction_.rollback_to)) return false;
  return execute(transaction_.release).ok();
}

void Committer::rollback_quietly() {
  if (connection_.in_transaction()) execute(transaction_.rollback);
  ops_.rolled_back();
}

}  // namespace parley::store::sqlite

#include "store/postgres/committer.hpp"

#include <algorithm>
#include <numeric>

namespace parley::store::postgres {

namespace {

// How many times one batch may start a fresh transaction after losing one (a connection that broke between
// batches is only noticed by the BEGIN of the next).
constexpr int kMaxTransactionAttempts = 3;

}  // namespace

core::Result<Committer> Committer::prepare(Connection connection, const std::string& url, LinkOptions options) {
  Committer committer(url, std::move(options));
  if (auto opened = committer.link_.open(std::move(connection)); !opened) return opened.error();
  return committer;
}

uint64_t Committer::run_batch(std::vector<std::unique_ptr<Job>>& jobs) {
  // Execution order: by lock key, stable (see committer.hpp).
  std::vector<size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return jobs[a]->lock_key() < jobs[b]->lock_key(); });
  auto fail_range = [&](size_t from, size_t to, const core::Error& error) {
    for (size_t i = from; i < to; ++i) jobs[order[i]]->fail(error);
  };

  uint64_t commits = 0;
  size_t next = 0;
  for (int attempt = 0; next < jobs.size(); ++attempt) {
    const size_t first = next;
    core::Result<WriteOps*> ops = link_.get();
    if (!ops) {
      fail_range(first, jobs.size(), ops.error());
      return commits;
    }
    Connection& connection = (*ops)->connection();
    if (auto begun = connection.exec("BEGIN", "store transaction could not begin"); !begun) {
      // A connection that broke while idle is only noticed here: reconnect and try again, a few times.
      if (!connection.ok() && attempt + 1 < kMaxTransactionAttempts) continue;
      fail_range(first, jobs.size(), begun.error());
      return commits;
    }
    bool transaction_lost = false;
    while (next < jobs.size() && !transaction_lost) {
      transaction_lost = !run_in_savepoint(**ops, *jobs[order[next]]);
      ++next;
    }
    if (transaction_lost) {
      // The connection broke (or the transaction could not be saved): everything done in it so far is gone.
      // The jobs left in the batch start over in a fresh transaction.
      if (connection.ok()) connection.exec("ROLLBACK", "rollback");
      fail_range(first, next, core::Error{core::ErrorCode::unavailable, "store transaction aborted"});
      if (attempt + 1 >= kMaxTransactionAttempts) {
        fail_range(next, jobs.size(), core::Error{core::ErrorCode::unavailable, "store transaction aborted"});
        return commits;
      }
      continue;
    }
    core::Result<Rows> committed = connection.exec("COMMIT", "store commit failed");
    if (!committed || committed->command_status() != "COMMIT") {
      // Without an answer to COMMIT we cannot know whether it happened; the callers hear `unavailable`.
      core::Error error = committed ? core::Error{core::ErrorCode::internal, "store commit was rolled back"}
                                    : committed.error();
      if (connection.ok() && connection.in_transaction()) connection.exec("ROLLBACK", "rollback");
      fail_range(first, next, error);
      continue;
    }
    ++commits;
  }
  return commits;
}

bool Committer::run_in_savepoint(WriteOps& ops, Job& job) {
  Connection& connection = ops.connection();
  if (auto saved = connection.exec("SAVEPOINT job", "savepoint"); !saved) {
    job.fail(saved.error());
    return false;
  }
  const bool ok = job.run(ops);
  if (!connection.ok()) return false;  // the server went away mid-job
  if (!ok || connection.in_failed_transaction()) {
    if (auto undone = connection.exec("ROLLBACK TO SAVEPOINT job", "rollback to savepoint"); !undone) return false;
  }
  return connection.exec("RELEASE SAVEPOINT job", "release savepoint").ok();
}

}  // namespace parley::store::postgres

#pragma once
// The single writer: one thread owning the write connection drains a queue of write jobs with group commit.
// Every job waiting when the thread wakes runs in ONE transaction (BEGIN IMMEDIATE … COMMIT), each inside its
// own savepoint so that one job's failure (say a taken username) is rolled back alone (a job that cannot
// leave partial changes, like an append, runs without one: see WriteOps). After the commit the
// jobs' callbacks run in queue order; if the transaction cannot begin or commit, every job of the batch
// answers an error instead. A callback therefore never sees a result that is not durable yet.
// Thread safety: submit(), flush() and commits() may be called from any thread; stop() from any thread but
// the writer's own (a callback must not stop or flush the store).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>

#include "core/error.hpp"
#include "store/common/job_queue.hpp"
#include "store/common/write_job.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/write_ops.hpp"
#include "store/store.hpp"

namespace parley::store::sqlite {

// A queued write, and one whose work answers a core::Result<T> (see store/common/write_job.hpp).
using WriteJob = common::WriteJob<WriteOps>;
template <class T>
using TypedWriteJob = common::TypedWriteJob<WriteOps, T>;

class Writer {
 public:
  // Takes the configured and migrated write connection, prepares its statements and starts the thread.
  static core::Result<std::unique_ptr<Writer>> start(Connection connection, size_t max_batch);
  // Stops the thread (after draining the queue).
  ~Writer();

  // Queues `work`; `done` later receives its result on the writer thread, after the commit. Once stopped,
  // `done` answers `unavailable` at once, on the calling thread.
  template <class T>
  void submit(std::function<core::Result<T>(WriteOps&)> work, Callback<T> done,
              common::Savepoint savepoint = common::Savepoint::needed) {
    std::unique_ptr<WriteJob> job =
        std::make_unique<TypedWriteJob<T>>(std::move(work), std::move(done), std::string{}, savepoint);
    if (!queue_.push(std::move(job))) {
      job->fail(core::Error{core::ErrorCode::unavailable, "store is shut down"});
      job->finish();
    }
  }

  // Blocks until every job submitted before has committed (or failed) and its callback has run.
  void flush() { queue_.wait_until_done(); }
  // Refuses new jobs, runs the queued ones and joins the thread. Idempotent.
  void stop();
  // How many batch transactions have committed so far.
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }

 private:
  struct TransactionStatements {
    Statement begin, commit, rollback, savepoint, release, rollback_to;
  };
  using Queue = common::JobQueue<std::unique_ptr<WriteJob>>;

  Writer(Connection connection, WriteOps ops, TransactionStatements transaction, size_t max_batch);

  // The thread body: pop a batch, run it, deliver its callbacks, repeat until stopped and drained.
  void run();
  // Runs `jobs` in as few transactions as possible (one unless SQLite aborts a transaction midway).
  void run_batch(std::vector<std::unique_ptr<WriteJob>>& jobs);
  // Runs one job inside a savepoint (when it needs one); false when the enclosing transaction is gone or
  // unusable.
  bool run_in_savepoint(WriteJob& job);
  // Rolls back the open transaction, if any, ignoring errors, and tells WriteOps.
  void rollback_quietly();

  Connection connection_;
  WriteOps ops_;
  TransactionStatements transaction_;
  size_t max_batch_;
  Queue queue_;
  std::atomic<uint64_t> commits_{0};
  std::thread thread_;
};

}  // namespace parley::store::sqlite

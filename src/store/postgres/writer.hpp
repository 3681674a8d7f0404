#pragma once
// The single writer of a PostgresStore: one thread owning the write connection drains a queue of write jobs
// with group commit. Every job waiting when the thread wakes runs in ONE transaction (BEGIN … COMMIT), each
// inside its own savepoint so that one job's failure (say a taken username) is rolled back alone. After the
// COMMIT the jobs' callbacks run in queue order; if the transaction cannot begin or commit, the jobs answer an
// error instead (`unavailable` when the server is gone). A callback therefore never sees a result that is not
// durable yet.
//
// Inside a batch the jobs run ordered by their lock key (stable, so a room's appends keep their queue order):
// every node's writer takes row locks in the same order, so concurrent batches of several nodes wait for each
// other but never deadlock.
//
// A broken connection is reopened (at once, then with backoff); while the server is unreachable every batch
// answers `unavailable` without waiting.
// Thread safety: submit(), flush(), commits() and connected() may be called from any thread; stop() from any
// thread but the writer's own (a callback must not stop or flush the store).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "store/common/job_queue.hpp"
#include "store/common/write_job.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/link.hpp"
#include "store/postgres/write_ops.hpp"
#include "store/store.hpp"

namespace parley::store::postgres {

using WriteJob = common::WriteJob<WriteOps>;
template <class T>
using TypedWriteJob = common::TypedWriteJob<WriteOps, T>;

class Writer {
 public:
  // Takes the migrated first connection, prepares its statements and starts the thread; later reconnects use
  // `url` and `options`.
  static core::Result<std::unique_ptr<Writer>> start(Connection connection, const std::string& url,
                                                     LinkOptions options, size_t max_batch);
  // Stops the thread (after draining the queue).
  ~Writer();

  // Queues `work`, which locks the row named by `lock_key` first (see above; empty: none in particular);
  // `done` later receives its result on the writer thread, after the commit. Once stopped, `done` answers
  // `unavailable` at once, on the calling thread.
  template <class T>
  void submit(std::function<core::Result<T>(WriteOps&)> work, Callback<T> done, std::string lock_key = {}) {
    std::unique_ptr<WriteJob> job =
        std::make_unique<TypedWriteJob<T>>(std::move(work), std::move(done), std::move(lock_key));
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
  // False once the writer found its connection broken and could not reopen it yet.
  bool connected() const { return connected_.load(std::memory_order_relaxed); }

 private:
  using Queue = common::JobQueue<std::unique_ptr<WriteJob>>;

  Writer(std::string url, LinkOptions options, size_t max_batch);

  // The thread body: pop a batch, run it, deliver its callbacks, repeat until stopped and drained.
  void run();
  // Runs `jobs` in as few transactions as possible (one unless the connection breaks midway).
  void run_batch(std::vector<std::unique_ptr<WriteJob>>& jobs);
  // Runs one job inside a savepoint; false when the enclosing transaction is gone or unusable.
  bool run_in_savepoint(WriteOps& ops, WriteJob& job);

  Link<WriteOps> link_;
  size_t max_batch_;
  Queue queue_;
  std::atomic<uint64_t> commits_{0};
  std::atomic<bool> connected_{true};
  std::thread thread_;
};

}  // namespace parley::store::postgres

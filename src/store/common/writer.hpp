#pragma once
// The single writer of a pooled store: one thread drains a queue of write jobs with group commit. Every job
// waiting when the thread wakes (up to max_batch) is handed to the backend's Committer as one batch; after the
// batch the jobs' callbacks run in queue order, outside every lock. The Committer runs the batch in as few
// transactions as it can, each job in a savepoint where it needs one, and fails the jobs of a transaction that
// could not commit, so a callback never sees a result that is not durable yet.
//
// `Committer` is the backend's transaction and locking behaviour: `using Ops` (its write statements),
// `uint64_t run_batch(std::vector<std::unique_ptr<WriteJob<Ops>>>&)` (runs and commits, answers how many
// transactions committed; it calls run() or fail() on every job, never finish()) and `bool connected() const`
// (false once its connection broke and could not be reopened yet).
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

#include "core/error.hpp"
#include "store/common/job_queue.hpp"
#include "store/common/write_job.hpp"
#include "store/store.hpp"

namespace parley::store::common {

template <class Committer>
class Writer {
 public:
  using Ops = typename Committer::Ops;
  using Job = WriteJob<Ops>;

  // Takes the backend's committer (its connection and statements ready) and starts the thread.
  static std::unique_ptr<Writer> start(Committer committer, size_t max_batch) {
    std::unique_ptr<Writer> writer(new Writer(std::move(committer), max_batch == 0 ? 1 : max_batch));
    writer->thread_ = std::thread([w = writer.get()] { w->run(); });
    return writer;
  }

  // Stops the thread (after draining the queue).
  ~Writer() { stop(); }

  // Queues `work`, which locks the row named by `lock_key` first (see WriteJob; empty: none in particular) and
  // needs a savepoint or not; `done` later receives its result on the writer thread, after the commit. Once
  // stopped, `done` answers `unavailable` at once, on the calling thread.
  template <class T>
  void submit(std::function<core::Result<T>(Ops&)> work, Callback<T> done, std::string lock_key = {},
              Savepoint savepoint = Savepoint::needed) {
    std::unique_ptr<Job> job =
        std::make_unique<TypedWriteJob<Ops, T>>(std::move(work), std::move(done), std::move(lock_key), savepoint);
    if (!queue_.push(std::move(job))) {
      job->fail(core::Error{core::ErrorCode::unavailable, "store is shut down"});
      job->finish();
    }
  }

  // Blocks until every job submitted before has committed (or failed) and its callback has run.
  void flush() { queue_.wait_until_done(); }
  // Refuses new jobs, runs the queued ones and joins the thread. Idempotent.
  void stop() {
    queue_.close();
    if (thread_.joinable()) thread_.join();
  }
  // How many batch transactions have committed so far.
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  // False once the writer found its connection broken and could not reopen it yet.
  bool connected() const { return connected_.load(std::memory_order_relaxed); }

 private:
  using Queue = JobQueue<std::unique_ptr<Job>>;

  Writer(Committer committer, size_t max_batch) : committer_(std::move(committer)), max_batch_(max_batch) {}

  // The thread body: pop a batch, run it, deliver its callbacks, repeat until stopped and drained.
  void run() {
    while (true) {
      typename Queue::Batch batch = queue_.pop(max_batch_);
      if (batch.jobs.empty()) return;
      commits_.fetch_add(committer_.run_batch(batch.jobs), std::memory_order_relaxed);
      connected_.store(committer_.connected(), std::memory_order_relaxed);
      // Callbacks run in queue order, after the commit and outside every lock.
      for (std::unique_ptr<Job>& job : batch.jobs) job->finish();
      batch.jobs.clear();
      queue_.finish(batch);
    }
  }

  Committer committer_;
  size_t max_batch_;
  Queue queue_;
  std::atomic<uint64_t> commits_{0};
  std::atomic<bool> connected_{true};
  std::thread thread_;
};

}  // namespace parley::store::common

#pragma once
// The readers of a pooled store: a few threads, each owning one reader of the backend (a connection and the
// read statements prepared on it), taking read jobs one at a time from a shared queue. A read that fails
// because its connection broke is retried once on a fresh connection (reads are idempotent), so a server
// restart costs callers nothing.
//
// `Reader` is the backend's: `using Ops` (its read statements), `core::Result<Ops*> get()` (the statements on a
// usable connection, reconnecting if the backend can; an error, say `unavailable`, when there is none) and
// `bool connected() const` (false once the connection broke; a reader that cannot break answers true).
// Thread safety: submit() and flush() may be called from any thread; stop() from any thread but a reader's
// own (a callback must not stop or flush the store).
#include <algorithm>
#include <functional>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "store/common/deliver.hpp"
#include "store/common/job_queue.hpp"
#include "store/store.hpp"

namespace parley::store::common {

template <class Reader>
class ReaderPool {
 public:
  using Ops = typename Reader::Ops;
  // Opens reader number `index` (0-based).
  using Open = std::function<core::Result<std::unique_ptr<Reader>>(int index)>;

  // Opens `count` readers (at least one) with `open` and starts a thread for each; the first error if one fails.
  static core::Result<std::unique_ptr<ReaderPool>> start(int count, const Open& open) {
    std::unique_ptr<ReaderPool> pool(new ReaderPool());
    for (int i = 0; i < std::max(count, 1); ++i) {
      core::Result<std::unique_ptr<Reader>> reader = open(i);
      if (!reader) return reader.error();
      pool->readers_.push_back(std::move(*reader));
    }
    for (const std::unique_ptr<Reader>& reader : pool->readers_) {
      pool->threads_.emplace_back([p = pool.get(), r = reader.get()] { p->run(*r); });
    }
    return pool;
  }

  // Stops the threads (after draining the queue).
  ~ReaderPool() { stop(); }

  // Queues `work`; `done` later receives its result on a reader thread. Once stopped, `done` answers
  // `unavailable` at once, on the calling thread.
  template <class T>
  void submit(std::function<core::Result<T>(Ops&)> work, Callback<T> done) {
    Job job = [work = std::move(work), done = std::move(done)](Reader* reader) {
      if (reader == nullptr) {
        deliver<T>(done, core::Error{core::ErrorCode::unavailable, "store is shut down"});
        return;
      }
      deliver<T>(done, run_with_retry<T>(*reader, work));
    };
    if (!queue_.push(std::move(job))) job(nullptr);
  }

  // Blocks until every job submitted before has run and its callback has returned.
  void flush() { queue_.wait_until_done(); }

  // Refuses new jobs, runs the queued ones and joins the threads. Idempotent.
  void stop() {
    queue_.close();
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

 private:
  // Runs the job on a reader, or answers "shut down" when given null.
  using Job = std::function<void(Reader*)>;

  ReaderPool() = default;

  // Runs `work` on the reader's statements; once more on a fresh connection if the first try broke it.
  template <class T>
  static core::Result<T> run_with_retry(Reader& reader, const std::function<core::Result<T>(Ops&)>& work) {
    for (int attempt = 0;; ++attempt) {
      core::Result<Ops*> ops = reader.get();
      if (!ops) return ops.error();
      core::Result<T> result = guarded<T>([&] { return work(**ops); });
      if (result.ok() || attempt > 0 || reader.connected()) return result;
    }
  }

  // The body of one reader thread.
  void run(Reader& reader) {
    while (true) {
      typename JobQueue<Job>::Batch batch = queue_.pop(1);
      if (batch.jobs.empty()) return;
      for (Job& job : batch.jobs) job(&reader);
      batch.jobs.clear();
      queue_.finish(batch);
    }
  }

  JobQueue<Job> queue_;
  std::vector<std::unique_ptr<Reader>> readers_;
  std::vector<std::thread> threads_;
};

}  // namespace parley::store::common

#pragma once
// The readers of a PostgresStore: a few threads, each owning a connection of its own, taking read jobs one at a
// time from a shared queue. A read that fails because its connection broke is retried once on a fresh
// connection (reads are idempotent), so a server restart costs callers nothing; while the server is
// unreachable, reads answer `unavailable` without waiting (see Link).
// Thread safety: submit() and flush() may be called from any thread; stop() from any thread but a reader's
// own (a callback must not stop or flush the store).
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "store/common/deliver.hpp"
#include "store/common/job_queue.hpp"
#include "store/postgres/link.hpp"
#include "store/postgres/read_ops.hpp"
#include "store/store.hpp"

namespace parley::store::postgres {

class ReaderPool {
 public:
  // Opens `count` connections to `url` (whose schema must exist), prepares them and starts a thread for each.
  static core::Result<std::unique_ptr<ReaderPool>> start(const std::string& url, int count, LinkOptions options);
  // Stops the threads (after draining the queue).
  ~ReaderPool();

  // Queues `work`; `done` later receives its result on a reader thread. Once stopped, `done` answers
  // `unavailable` at once, on the calling thread.
  template <class T>
  void submit(std::function<core::Result<T>(ReadOps&)> work, Callback<T> done) {
    Job job = [work = std::move(work), done = std::move(done)](Link<ReadOps>* link) {
      if (link == nullptr) {
        common::deliver<T>(done, core::Error{core::ErrorCode::unavailable, "store is shut down"});
        return;
      }
      common::deliver<T>(done, run_with_retry<T>(*link, work));
    };
    if (!queue_.push(std::move(job))) job(nullptr);
  }

  // Blocks until every job submitted before has run and its callback has returned.
  void flush() { queue_.wait_until_done(); }
  // Refuses new jobs, runs the queued ones and joins the threads. Idempotent.
  void stop();

 private:
  // Runs the job on a reader's link, or answers "shut down" when given null.
  using Job = std::function<void(Link<ReadOps>*)>;

  // Runs `work` on the link's statements; once more on a fresh connection if the first try broke it.
  template <class T>
  static core::Result<T> run_with_retry(Link<ReadOps>& link, const std::function<core::Result<T>(ReadOps&)>& work) {
    core::Result<T> result = core::Error{core::ErrorCode::internal, "read did not run"};
    for (int attempt = 0; attempt < 2; ++attempt) {
      core::Result<ReadOps*> ops = link.get();
      if (!ops) return ops.error();
      result = common::guarded<T>([&] { return work(**ops); });
      if (result.ok() || link.connected()) return result;
    }
    return result;
  }

  ReaderPool() = default;
  // The body of one reader thread.
  void run(Link<ReadOps>& link);

  common::JobQueue<Job> queue_;
  std::vector<std::unique_ptr<Link<ReadOps>>> links_;
  std::vector<std::thread> threads_;
};

}  // namespace parley::store::postgres

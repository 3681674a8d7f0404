#pragma once
// The readers: a few threads, each owning a read-only connection, taking read jobs one at a time from a shared
// queue. In WAL mode they read committed data concurrently with the writer and never block it.
// Thread safety: submit() and flush() may be called from any thread; stop() from any thread but a reader's
// own (a callback must not stop or flush the store).
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "store/sqlite/connection.hpp"
#include "store/common/deliver.hpp"
#include "store/common/job_queue.hpp"
#include "store/sqlite/read_ops.hpp"
#include "store/store.hpp"

namespace parley::store::sqlite {

class ReaderPool {
 public:
  // Opens `count` read-only connections to `path` (whose schema must exist) and starts a thread for each.
  static core::Result<std::unique_ptr<ReaderPool>> start(const std::string& path, int count, int busy_timeout_ms);
  // Stops the threads (after draining the queue).
  ~ReaderPool();

  // Queues `work`; `done` later receives its result on a reader thread. Once stopped, `done` answers
  // `unavailable` at once, on the calling thread.
  template <class T>
  void submit(std::function<core::Result<T>(ReadOps&)> work, Callback<T> done) {
    Job job = [work = std::move(work), done = std::move(done)](ReadOps* ops) {
      if (ops == nullptr) {
        common::deliver<T>(done, core::Error{core::ErrorCode::unavailable, "store is shut down"});
        return;
      }
      common::deliver<T>(done, common::guarded<T>([&] { return work(*ops); }));
    };
    if (!queue_.push(std::move(job))) job(nullptr);
  }

  // Blocks until every job submitted before has run and its callback has returned.
  void flush() { queue_.wait_until_done(); }
  // Refuses new jobs, runs the queued ones and joins the threads. Idempotent.
  void stop();

 private:
  // Runs the job against the reader's statements, or answers "shut down" when given null.
  using Job = std::function<void(ReadOps*)>;

  struct Reader {
    Connection connection;  // declared first: destroyed after the statements of `ops`
    ReadOps ops;
  };

  ReaderPool() = default;
  // The body of one reader thread.
  void run(Reader& reader);

  common::JobQueue<Job> queue_;
  std::vector<std::unique_ptr<Reader>> readers_;
  std::vector<std::thread> threads_;
};

}  // namespace parley::store::sqlite

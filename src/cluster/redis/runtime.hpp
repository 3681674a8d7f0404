#pragma once
// Runtime: the one thread and io_context on which every Redis connection of a process runs (broker,
// presence, rate limit), so no Redis I/O ever happens on a network loop.
// Thread safety: post() from any thread; the io_context runs on its own thread from start() to stop().
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

namespace parley::cluster::redis {

// For destructors of objects whose handlers run on `io`'s thread: returns once every handler queued on `io`
// before the call has run (they may still name the object), unless this is that thread or `io` is stopped.
inline void wait_for_queued_handlers(boost::asio::io_context& io) {
  if (io.stopped() || io.get_executor().running_in_this_thread()) return;
  std::promise<void> barrier;
  auto reached = barrier.get_future();
  boost::asio::post(io, [&barrier] { barrier.set_value(); });
  reached.wait_for(std::chrono::seconds(2));
}

class Runtime {
 public:
  Runtime() : work_(io_.get_executor()) {}
  ~Runtime() { stop(); }
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  boost::asio::io_context& io() { return io_; }
  // Starts the thread (idempotent).
  void start() {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable() && !stopped_) thread_ = std::thread([this] { io_.run(); });
  }
  // Lets queued work finish, then joins the thread (idempotent).
  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  // Runs `fn` on the Redis thread.
  template <class F>
  void post(F&& fn) {
    boost::asio::post(io_, std::forward<F>(fn));
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::mutex mutex_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace parley::cluster::redis

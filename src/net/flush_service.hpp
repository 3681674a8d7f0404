#pragma once
// FlushService: per event loop, the connections that queued output during this loop turn. One posted handler
// per turn writes them all (uWebSockets' "cork"), instead of one posted handler per connection: a member that
// gets many pushes in a turn sends them in one write, and the loop pays one post per turn, not per connection.
// An asio service, so the list lives and dies with its io_context (pending entries are released at shutdown).
// Thread safety: one per io_context; schedule() runs on that loop's thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <memory>
#include <vector>

namespace parley::net {

// A connection that writes its queued output when asked (on its loop, outside any fan-out).
class Flushable {
 public:
  virtual void flush() = 0;

 protected:
  ~Flushable() = default;
};

class FlushService final : public boost::asio::execution_context::service {
 public:
  static inline boost::asio::execution_context::id id;

  explicit FlushService(boost::asio::execution_context& context) : service(context) {}
  // The service of the io_context behind `executor` (created on first use).
  static FlushService& of(const boost::asio::any_io_executor& executor);

  // Flushes `connection` once, later in this loop turn. The caller keeps a flag so it schedules once per turn.
  void schedule(const boost::asio::any_io_executor& executor, std::shared_ptr<Flushable> connection);

 private:
  void shutdown() override;
  void run();

  std::vector<std::shared_ptr<Flushable>> dirty_;
  std::vector<std::shared_ptr<Flushable>> running_;  // kept between turns so its capacity is reused
  bool posted_ = false;
};

}  // namespace parley::net

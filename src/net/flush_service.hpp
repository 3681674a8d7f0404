#pragma once
// FlushService: per event loop, the connections that queued output and wait to write it (uWebSockets' "cork"):
// a connection that gets many pushes before its turn sends them all in one gather write, and the loop pays
// one posted handler per batch of connections, not one per connection.
//
// Two lists. Fan-out (deliveries) is written in FIFO order, `chunk` connections per handler, so that reads,
// commits and replies interleave with a long sweep over many members. Replies (acknowledgements, errors,
// pongs) jump ahead of the fan-out while it is less than `max_lag` behind: a sender gets its ack sooner and
// sends its next message while members are still being written, so each member's write carries more
// messages (the kernel's cost is per write, not per byte). Once the fan-out is `max_lag` behind, replies wait
// their turn with it, so senders slow to what the loop can deliver and queues stay bounded. The bound trades
// saturation latency for throughput: a member is written about once per bound, and a write's fixed cost in
// the kernel is well above that of copying its bytes. In the bench's room fan-out 1 s gives writes of ~80
// frames and p99 ~2 s (500 ms: ~60 frames, 13-17% less throughput, p99 ~0.9 s; the Socket.IO peer: p99
// ~3.5 s). Below saturation the fan-out is never behind and the bound never matters.
//
// An asio service, so the lists live and die with their io_context (pending entries are released at
// shutdown). Thread safety: one per io_context; everything runs on that loop's thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <chrono>
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
  using Clock = std::chrono::steady_clock;
  enum class Priority { fan_out, reply };

  static inline boost::asio::execution_context::id id;
  static constexpr size_t chunk = 16;
  static constexpr Clock::duration default_max_lag = std::chrono::milliseconds(1000);

  explicit FlushService(boost::asio::execution_context& context) : service(context) {}
  // The service of the io_context behind `executor` (created on first use).
  static FlushService& of(const boost::asio::any_io_executor& executor);

  // Flushes `connection` once, soon. The caller keeps a flag per priority so it schedules once per flush.
  void schedule(const boost::asio::any_io_executor& executor, std::shared_ptr<Flushable> connection,
                Priority priority = Priority::fan_out);
  // How far behind the fan-out may be while replies still jump ahead of it (tests set 0: never).
  void set_max_lag(Clock::duration lag) { max_lag_ = lag; }

 private:
  using List = std::vector<std::shared_ptr<Flushable>>;

  void shutdown() override;
  void run();
  // When the oldest fan-out entry still waiting was queued (meaningful only while one waits).
  Clock::time_point oldest_fan_out() const { return next_ < sweep_.size() ? sweep_since_ : fan_out_since_; }
  bool fan_out_waiting() const { return next_ < sweep_.size() || !fan_out_.empty(); }

  boost::asio::any_io_executor executor_;
  Clock::duration max_lag_ = default_max_lag;
  List fan_out_;                    // queued since the current sweep began
  List sweep_;                      // the sweep in progress, written from next_ on; capacity reused
  size_t next_ = 0;
  Clock::time_point fan_out_since_;  // when fan_out_ got its first entry
  Clock::time_point sweep_since_;    // the same, for the entries now in sweep_
  List replies_;
  List replies_running_;
  bool posted_ = false;
};

}  // namespace parley::net

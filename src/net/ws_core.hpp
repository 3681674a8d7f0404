#pragma once
// WsCore: one WebSocket after the HTTP upgrade, whatever its messages mean. It owns the socket (a descriptor
// its loop's ReadPoller watches, not in asio's reactor: no descriptor state, no pending operation), the frame
// parser (limits, masking, UTF-8, close codes), the control frames (a ping is answered, a close is echoed),
// the close handshake (our close frame, then at most a grace period for the peer to hang up), the read (into
// one buffer per loop when the poller says so: an idle connection holds no read buffer), the outbound queue and when it is written (SocketWriter: one gather write per turn,
// replies ahead of fan-out), the slow-reader cut-off (4008), and one deadline in the loop's ExpiryService: the
// earlier of the codec's deadline (the token's expiry; Engine.IO's connect timeout before that) and the
// heartbeat's next step (no timer per connection).
//
// A protocol is a codec on top: a class deriving from WsCore that turns messages into requests and answers
// into frames — the native protocol (WsConnection), Socket.IO on a session born on a WebSocket
// (engineio::SocketIoConnection) and Engine.IO over the WebSocket of an upgraded session (engineio::WsTransport).
// Heartbeat: every `interval` the core calls send_ping() (native: a ping frame; Engine.IO: its "2" packet);
// if heartbeat_answered() has not been called `timeout` later, on_heartbeat_lost() (native: the connection is
// dropped without a close frame, RFC 6455 §7.1.7).
// Thread safety: lives on one loop; every member function runs there.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "chat/delivery.hpp"
#include "net/expiry_service.hpp"
#include "net/flush_service.hpp"
#include "net/read_poller.hpp"
#include "net/socket_writer.hpp"
#include "protocol/ws_frame.hpp"

namespace parley::net {

// Expiring is the last base so that fd_, the first member, fits in its tail padding.
class WsCore : public Flushable, public Pollable, public Expiring {
 public:
  using LoopExecutor = boost::asio::io_context::executor_type;
  // A connected TCP socket taken out of asio (no longer in its reactor), with the loop it will live on (the
  // io_context's own executor type: 8 bytes instead of any_io_executor's 56).
  struct Socket {
    LoopExecutor executor;
    int fd = -1;
  };
  // The heartbeat's settings, shared by every connection of a kind (interval 0: no heartbeat).
  struct Heartbeat {
    int64_t interval_ms = 0;
    int64_t timeout_ms = 0;
  };
  static constexpr int64_t never = std::numeric_limits<int64_t>::max();

  // The socket taken out of asio, for `executor` (the loop it will live on, which may be another loop than the
  // one that accepted it; that loop's ReadPoller watches it from start_ws() on).
  static Socket adopt(const LoopExecutor& executor, boost::asio::ip::tcp::socket socket);
  // The same on the loop that accepted it.
  static Socket adopt(boost::asio::ip::tcp::socket socket) {
    const LoopExecutor executor = *socket.get_executor().target<LoopExecutor>();
    return adopt(executor, std::move(socket));
  }

  LoopExecutor loop_executor() { return executor_; }
  const LoopExecutor& core_executor() const { return executor_; }
  // Bytes queued (and in flight).
  size_t queued_bytes() const { return writer_.queue().bytes(); }
  // True once a close frame is queued or the socket is closed.
  bool ws_closing() const { return closing_; }

  // Queues one whole frame (a reply: it may go out ahead of queued fan-out). False when the connection is
  // closing, or when the frame would take the queue past its limit: the connection is then cut off as a slow
  // reader (close 4008), never synchronously torn down (safe from inside a fan-out).
  bool queue_frame(std::string frame);
  // Queues the codec's shared frame of a delivery (never copied); false as queue_frame.
  bool queue_delivery(const chat::DeliveryPtr& delivery);
  // Starts the close handshake with `code`: what is queued goes out, then the close frame; the socket is
  // closed when the peer hangs up, or after a grace period. Idempotent.
  void close_ws(uint16_t code, std::string_view reason = {});
  // The codec's deadline (ms since the epoch; `never`: none), replacing the last one: on_deadline() then.
  void set_deadline(int64_t at_ms);
  // Starts the heartbeat with the codec's settings (heartbeat(); interval 0: none).
  void start_heartbeat();
  // The peer answered the last ping.
  void heartbeat_answered();

 protected:
  WsCore(Socket socket, size_t max_message_bytes, size_t send_queue_bytes);
  ~WsCore();

  // Starts reading; `initial` holds bytes that arrived with the upgrade request.
  void start_ws(std::string_view initial);
  // Closes the socket now (no close frame), once; on_finished() follows.
  void finish();

  // The shared pointer that owns this connection (kept by pending waits and the flush list).
  virtual std::shared_ptr<WsCore> core_ptr() = 0;
  // The heartbeat's settings, shared by every connection of the codec (a virtual call rather than a pointer in
  // every connection).
  virtual const Heartbeat& heartbeat() const = 0;
  // The wire form of a delivery this codec sends (a whole frame inside the delivery, shared by every
  // recipient).
  virtual const std::string& delivery_frame(const chat::Delivery& delivery) const = 0;
  // One complete data message.
  virtual void on_text(std::string& payload) = 0;
  virtual void on_binary(std::string& payload) = 0;
  // A pong frame (unsolicited ones included, RFC 6455 §5.5.3).
  virtual void on_pong() {}
  // Queues the heartbeat's ping (which skips the queue limit: it is tiny and must reach a slow reader too).
  virtual void send_ping();
  // No answer to the last ping within the timeout.
  virtual void on_heartbeat_lost() { finish(); }
  // The deadline (set_deadline) has passed: the token expired, or Engine.IO's CONNECT did not come in time.
  virtual void on_deadline() = 0;
  // A batch was written (the queue shrank).
  virtual void on_written() {}
  // The close handshake started (either side) or the socket was closed; called once, before on_finished.
  virtual void on_closing() {}
  // The socket is closed; called once.
  virtual void on_finished() {}

  void queue_control(std::string frame);

 private:
  void on_poll_ready(uint32_t events) override;
  void on_readable();
  void on_bytes(const uint8_t* data, size_t size);
  void on_message(protocol::ws::Message& message);
  bool admit(size_t bytes);
  void schedule_flush(SocketWriter::Priority priority);
  void flush() override;
  void on_expired() override;
  void wait_until(int64_t heartbeat_at_ms);
  void notify_closing();

  int fd_;  // -1 once closed
  LoopExecutor executor_;
  // What an idle connection does without, in one block made when needed: a frame parser of its own, only
  // while a frame or a fragmented message is incomplete (rare: frames mostly arrive whole, and whole frames
  // are parsed by one parser per thread), and the close handshake's timer.
  struct Cold {
    std::unique_ptr<protocol::ws::FrameParser> parser;
    std::unique_ptr<boost::asio::steady_timer> close_timer;
  };
  std::unique_ptr<Cold> cold_;
  SocketWriter writer_;
  uint32_t max_message_bytes_;
  uint32_t send_queue_bytes_;
  int64_t deadline_ms_ = never;      // the codec's (set_deadline)
  int64_t heartbeat_at_ms_ = never;  // the heartbeat's next step
  // The heartbeat's state: off, waiting for the time to ping, a ping sent and not yet answered, or answered
  // (the next ping is due at the ping's time + interval).
  enum class Beat : uint8_t { off, waiting, awaiting_pong, answered } beat_ = Beat::off;
  bool closing_ = false;   // a close frame is queued or sent; no more messages are handled
  bool finished_ = false;  // the socket is closed
  bool closing_told_ = false;
};

}  // namespace parley::net

#pragma once
// WsConnection: one native-protocol WebSocket connection (/ws, /entrypoint) after the HTTP upgrade.
// Reads frames with protocol::ws::FrameParser, hands requests to chat::Node, and writes through a SocketWriter
// (a bounded queue, one gather write per batch). Closes with 1009 (frame too big), 1007 (bad UTF-8), 1002
// (protocol), 4001 (token expired), 4008 (too slow a reader), 1001 (shutdown).
// Heartbeat (--ws-ping-interval, --ws-pong-timeout): the server pings; a connection whose pong is late is
// dropped without a close frame (RFC 6455 §7.1.7, "fail the connection": the peer is presumed gone). Both the
// heartbeat and the token expiry wait in the loop's ExpiryService, one entry per connection (the earlier of
// the two), so the heartbeat costs an idle connection no timer and no bytes.
// Thread safety: lives on one loop; every member function runs there.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "chat/node.hpp"
#include "chat/session.hpp"
#include "net/expiry_service.hpp"
#include "net/server.hpp"
#include "net/flush_service.hpp"
#include "net/socket_writer.hpp"
#include "protocol/ws_frame.hpp"

namespace parley::net {

class WsConnection final : public chat::Session, public Flushable, public Expiring {
 public:
  // `user_counted`: the connection holds a place of its user in context.gate->per_user, given back on
  // destruction.
  WsConnection(boost::asio::ip::tcp::socket socket, size_t loop_index, ConnectionContext& context,
               chat::Identity identity, bool user_counted);
  ~WsConnection() override;

  // Starts reading; `initial` holds bytes that arrived after the upgrade request.
  void start(std::string initial);

  void push(const chat::DeliveryPtr& delivery) override;
  void reply_ok(const protocol::Request& request, std::string_view data_json) override;
  void reply_error(const protocol::Request& request, const core::Error& error) override;
  void close(uint16_t code, std::string_view reason) override;
  bool is_open() const override { return !closing_; }
  size_t queued_bytes() const override { return writer_.queue().bytes(); }
  void when_drained(size_t threshold, std::function<void()> fn) override;

 private:
  void read();
  void on_readable(boost::system::error_code ec);
  void on_bytes(const uint8_t* data, size_t size);
  void on_message(protocol::ws::Message& message);
  void send_frame(std::string frame);
  void schedule_flush(SocketWriter::Priority priority);
  // Writes what is queued now (FlushService calls it when this connection's turn comes); waits for
  // writability if the socket takes less.
  void flush() override;
  // The connection's deadline (ExpiryService) has come: the token expired (close with 4001), or a heartbeat
  // step is due (send a ping; drop the connection if the last one was not answered).
  void on_expired() override;
  // Waits in the ExpiryService until the earlier of the token's expiry and `heartbeat_at_ms`.
  void wait_until(int64_t heartbeat_at_ms);
  void cut_off_slow_reader();
  void finish();
  void notify_drained();
  void log_state(const char* what);

  // On the io_context's own executor type: 8 bytes instead of any_io_executor's 56, here and in every
  // pending operation of the connection.
  boost::asio::basic_stream_socket<boost::asio::ip::tcp, chat::Session::LoopExecutor> socket_;
  ConnectionContext& context_;  // node, limits, gate and heartbeat settings: one reference for all
  protocol::ws::FrameParser parser_;
  SocketWriter writer_;
  ExpiryService& expiry_;
  std::unique_ptr<boost::asio::steady_timer> close_timer_;  // made on close only: idle connections stay small
  struct DrainWaiter {
    size_t threshold;
    std::function<void()> fn;
  };
  std::unique_ptr<DrainWaiter> drained_;  // only while a join replays: idle connections hold 8 bytes
  bool closing_ = false;    // a close frame is queued or sent; no more requests are handled
  bool finished_ = false;   // detached from the node, socket closed
  bool attached_ = false;
  bool user_counted_ = false;  // holds a place in context_.gate->per_user
  // The heartbeat's state: off (no pings), waiting for the time to ping, a ping sent and not yet answered,
  // or answered (the next ping is due at the ping's time + interval).
  enum class Beat : uint8_t { off, waiting, awaiting_pong, answered } beat_ = Beat::off;
};

}  // namespace parley::net

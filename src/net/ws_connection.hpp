#pragma once
// WsConnection: the native protocol (/ws, /entrypoint) as a codec on the WebSocket core (WsCore): text
// messages are requests for chat::Node, replies and pushes are text frames; binary frames close with 1003.
// The core enforces the limits and closes with 1009 (frame too big), 1007 (bad UTF-8), 1002 (protocol),
// 4008 (too slow a reader); this codec adds 4001 (token expired) and 1001 (shutdown, through Node).
// Heartbeat (--ws-ping-interval, --ws-pong-timeout): ping frames; a connection whose pong is late is dropped
// without a close frame (RFC 6455 §7.1.7, "fail the connection": the peer is presumed gone).
// Thread safety: lives on one loop; every member function runs there.
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "chat/node.hpp"
#include "chat/session.hpp"
#include "net/server.hpp"
#include "net/ws_core.hpp"

namespace parley::net {

class WsConnection final : public chat::Session, public WsCore {
 public:
  // `user_counted`: the connection holds a place of its user in context.gate->per_user, given back on
  // destruction.
  WsConnection(boost::asio::ip::tcp::socket socket, size_t loop_index, ConnectionContext& context,
               chat::Identity identity, bool user_counted);
  ~WsConnection() override;

  // Attaches to the node, arms the token's expiry and the heartbeat, and starts reading; `initial` holds
  // bytes that arrived after the upgrade request.
  void start(std::string_view initial);

  const chat::Session::LoopExecutor& executor() const override { return core_executor(); }
  void push(const chat::DeliveryPtr& delivery) override;
  void reply_ok(const protocol::Request& request, std::string_view data_json) override;
  void reply_error(const protocol::Request& request, const core::Error& error) override;
  void close(uint16_t code, std::string_view reason) override { close_ws(code, reason); }
  bool is_open() const override { return !ws_closing(); }
  size_t queued_bytes() const override { return WsCore::queued_bytes(); }
  void when_drained(size_t threshold, std::function<void()> fn) override;

 private:
  std::shared_ptr<WsCore> core_ptr() override { return std::static_pointer_cast<WsConnection>(shared_from_this()); }
  const Heartbeat& heartbeat() const override { return context_.ws_heartbeat; }
  const std::string& delivery_frame(const chat::Delivery& d) const override { return d.native_ws_frame; }
  void on_text(std::string& payload) override;
  void on_binary(std::string& payload) override;
  void on_pong() override { heartbeat_answered(); }
  void on_heartbeat_lost() override;
  void on_deadline() override;
  void on_written() override { notify_drained(); }
  void on_closing() override;
  void on_finished() override;
  void notify_drained();
  void detach();

  ConnectionContext& context_;  // node, limits, gate and heartbeat settings: one reference for all
  struct DrainWaiter {
    size_t threshold;
    std::function<void()> fn;
  };
  std::unique_ptr<DrainWaiter> drained_;  // only while a join replays: idle connections hold 8 bytes
  bool attached_ = false;
  bool user_counted_ = false;  // holds a place in context_.gate->per_user
};

}  // namespace parley::net

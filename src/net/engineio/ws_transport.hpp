#pragma once
// WsTransport: Engine.IO's WebSocket transport as a codec on the WebSocket core (WsCore). The core moves the
// bytes (frames, limits, control frames, close handshake, the queue and its flushes, the deadline); this
// hands each text/binary message to its Listener (the Engine.IO session) and queues the session's packets as
// frames — a shared delivery's whole 42[...] frame as it is, never copied per recipient. The heartbeat is the
// core's, with Engine.IO's ping packet ("2"); its pong ("3") arrives as a message and the session reports it
// with heartbeat_answered().
// Thread safety: lives on the session's loop; every member function runs there.
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>

#include "chat/delivery.hpp"
#include "net/ws_core.hpp"

namespace parley::net::engineio {

class WsTransport final : public std::enable_shared_from_this<WsTransport>, public WsCore {
 public:
  class Listener {
   public:
    // One complete data message (control frames are the core's).
    virtual void on_ws_message(WsTransport& transport, std::string& payload, bool binary) = 0;
    // A batch was written (the queue shrank).
    virtual void on_ws_written(WsTransport& transport) = 0;
    // The transport's deadline: the session's (Engine.IO's connect timeout, then the token's expiry).
    virtual void on_ws_deadline(WsTransport& transport) = 0;
    // No pong within the ping timeout.
    virtual void on_ws_heartbeat_lost(WsTransport& transport) = 0;
    // The transport is closing or closed (by either side, or an error); called once.
    virtual void on_ws_closed(WsTransport& transport) = 0;

   protected:
    ~Listener() = default;
  };

  // `socket` must already be on the session's loop (WsCore::adopt); `heartbeat` outlives the transport.
  WsTransport(Socket socket, size_t max_message_bytes, size_t send_queue_bytes, const Heartbeat& heartbeat);

  // Starts reading; `initial` holds bytes that arrived after the upgrade request.
  void start(std::string_view initial, std::shared_ptr<Listener> listener);
  // Queues the shared Socket.IO frame of a delivery (42[...]); false if closing or cut off as a slow reader.
  bool send_delivery(const chat::DeliveryPtr& delivery) { return queue_delivery(delivery); }
  // Queues a text / binary message; false as send_delivery.
  bool send_text(std::string_view payload);
  bool send_binary(std::string_view payload);
  // Sends a close frame after what is queued, then hangs up (after a grace period at most).
  void close(uint16_t code, std::string_view reason = {}) { close_ws(code, reason); }
  bool is_open() const { return !ws_closing(); }

 private:
  std::shared_ptr<WsCore> core_ptr() override { return shared_from_this(); }
  const Heartbeat& heartbeat() const override { return heartbeat_; }
  const std::string& delivery_frame(const chat::Delivery& d) const override { return d.socketio_ws_frame; }
  void on_text(std::string& payload) override;
  void on_binary(std::string& payload) override;
  void send_ping() override;
  void on_heartbeat_lost() override;
  void on_deadline() override;
  void on_written() override;
  void on_closing() override;

  std::shared_ptr<Listener> listener_;
  const Heartbeat& heartbeat_;
};

}  // namespace parley::net::engineio

#pragma once
// WsTransport: the WebSocket transport of one Engine.IO session, after the HTTP upgrade. Frames are read
// with protocol::ws::FrameParser and written through a net::SocketWriter (a bounded queue, one gather write
// per batch), as WsConnection does; shared Delivery frames (42[...]) are never copied per recipient.
// The transport knows nothing of Engine.IO: it hands each message to its Listener (the session).
// Thread safety: lives on the session's loop; every member function runs there.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "chat/delivery.hpp"
#include "net/socket_writer.hpp"
#include "protocol/ws_frame.hpp"

namespace parley::net::engineio {

class WsTransport : public std::enable_shared_from_this<WsTransport>, public Flushable {
 public:
  class Listener {
   public:
    // One complete message or control frame (ping/pong/close are handled here and not passed on).
    virtual void on_ws_message(WsTransport& transport, protocol::ws::Message& message) = 0;
    // A batch was written (the queue shrank).
    virtual void on_ws_written(WsTransport& transport) = 0;
    // The socket is closed (by either side, or an error); called once.
    virtual void on_ws_closed(WsTransport& transport) = 0;

   protected:
    ~Listener() = default;
  };

  WsTransport(boost::asio::ip::tcp::socket socket, size_t max_message_bytes);

  // Starts reading; `initial` holds bytes that arrived after the upgrade request.
  void start(std::string initial, std::shared_ptr<Listener> listener);
  // Queues the shared Socket.IO frame of a delivery (42["event",data]).
  void send_delivery(const chat::DeliveryPtr& delivery);
  // Queues a text / binary message (replies: they may go out ahead of queued fan-out elsewhere).
  void send_text(std::string_view payload);
  void send_binary(std::string_view payload);
  // Sends a close frame after what is queued, then hangs up (after a grace period at most).
  void close(uint16_t code, std::string_view reason = {});
  // Bytes queued and in flight.
  size_t queued_bytes() const { return writer_.queue().bytes(); }
  bool is_open() const { return !closing_ && !finished_; }

 private:
  void read();
  void on_bytes(const uint8_t* data, size_t size);
  void schedule_flush(SocketWriter::Priority priority);
  // Writes what is queued now (FlushService calls it when this transport's turn comes).
  void flush() override;
  void finish();

  boost::asio::ip::tcp::socket socket_;
  protocol::ws::FrameParser parser_;
  SocketWriter writer_;
  boost::asio::steady_timer close_timer_;
  std::shared_ptr<Listener> listener_;
  std::unique_ptr<uint8_t[]> read_buffer_;
  bool closing_ = false;
  bool finished_ = false;
};

}  // namespace parley::net::engineio

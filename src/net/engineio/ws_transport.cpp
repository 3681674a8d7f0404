#include "net/engineio/ws_transport.hpp"

#include "protocol/engineio.hpp"

namespace parley::net::engineio {

namespace ws = protocol::ws;

WsTransport::WsTransport(Socket socket, size_t max_message_bytes, size_t send_queue_bytes,
                         const Heartbeat& heartbeat)
    : WsCore(std::move(socket), max_message_bytes, send_queue_bytes), heartbeat_(heartbeat) {}

void WsTransport::start(std::string_view initial, std::shared_ptr<Listener> listener) {
  listener_ = std::move(listener);
  start_ws(initial);
}

bool WsTransport::send_text(std::string_view payload) { return queue_frame(ws::encode_frame(ws::Opcode::text, payload)); }

bool WsTransport::send_binary(std::string_view payload) {
  return queue_frame(ws::encode_frame(ws::Opcode::binary, payload));
}

void WsTransport::on_text(std::string& payload) {
  if (listener_) listener_->on_ws_message(*this, payload, false);
}

void WsTransport::on_binary(std::string& payload) {
  if (listener_) listener_->on_ws_message(*this, payload, true);
}

void WsTransport::send_ping() {
  queue_control(ws::encode_frame(ws::Opcode::text, std::string(1, static_cast<char>(protocol::engineio::PacketType::ping))));
}

void WsTransport::on_heartbeat_lost() {
  if (auto l = listener_) l->on_ws_heartbeat_lost(*this);
  finish();
}

void WsTransport::on_deadline() {
  if (auto l = listener_) l->on_ws_deadline(*this);
}

void WsTransport::on_written() {
  if (listener_ && !ws_closing()) listener_->on_ws_written(*this);
}

// The session learns at once: it must not wait for the peer's answer to stop using this transport.
void WsTransport::on_closing() {
  if (auto l = std::move(listener_)) l->on_ws_closed(*this);
}

}  // namespace parley::net::engineio

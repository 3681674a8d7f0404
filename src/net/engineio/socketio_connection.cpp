#include "net/engineio/socketio_connection.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "auth/random.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "net/engineio/socketio_chat.hpp"
#include "protocol/engineio.hpp"

namespace parley::net::engineio {

namespace asio = boost::asio;
namespace eio = protocol::engineio;
namespace sio = protocol::socketio;
namespace ws = protocol::ws;
using core::ErrorCode;

// Made with make_shared: with its 16-byte control block an idle connection is one 320-byte block (jemalloc's
// size class), as a native one.
static_assert(sizeof(SocketIoConnection) <= 304, "SocketIoConnection outgrew its allocation size class");

SocketIoConnection::SocketIoConnection(Socket socket, size_t loop_index, const SocketIoContext& context,
                                       std::optional<std::string> handshake_token)
    : chat::Session(loop_index, context.node->next_connection_id(), {}),
      WsCore(std::move(socket), context.config->options.max_payload, context.config->send_queue_bytes),
      context_(context) {
  if (handshake_token && !handshake_token->empty()) cold().handshake_token = std::move(*handshake_token);
  core::metrics().connections.fetch_add(1, std::memory_order_relaxed);
  core::metrics().connections_total.fetch_add(1, std::memory_order_relaxed);
}

SocketIoConnection::~SocketIoConnection() {
  leave_pending();
  if (user_counted_) context_.users->leave(identity().user_id);
  if (socketio_counted_) chat::count_socketio_sessions(-1);
  core::metrics().connections.fetch_sub(1, std::memory_order_relaxed);
}

void SocketIoConnection::start(std::string_view sid, std::string_view initial) {
  const EngineSession::Config& config = *context_.config;
  const Options& o = config.options;
  queue_frame(ws::encode_frame(ws::Opcode::text,
                               eio::encode_text_packet(eio::PacketType::open,
                                                       eio::encode_handshake({std::string(sid), false,
                                                                              o.ping_interval_ms, o.ping_timeout_ms,
                                                                              o.max_payload}))));
  start_heartbeat();
  set_deadline(core::now_ms() + o.connect_timeout_ms);  // no CONNECT by then: closed
  start_ws(initial);
}

SocketIoConnection::Cold& SocketIoConnection::cold() {
  if (!cold_) cold_ = std::make_unique<Cold>();
  return *cold_;
}

void SocketIoConnection::trim_cold() {
  if (cold_ && cold_->handshake_token.empty() && cold_->attachments_to_skip == 0 && !cold_->drained) cold_.reset();
}

// Engine.IO's packets: a message carries a Socket.IO packet; the pong answers the core's ping; a close ends
// the session (upgrade packets mean nothing on a session born on a WebSocket).
void SocketIoConnection::on_text(std::string& payload) {
  auto packet = eio::decode_text_packet(payload);
  if (!packet) {
    core::metrics().protocol_errors.fetch_add(1, std::memory_order_relaxed);
    return close_ws(ws::close_code::normal);
  }
  switch (packet->type) {
    case eio::PacketType::pong:
      return heartbeat_answered();
    case eio::PacketType::message:
      return on_message(packet->data);
    case eio::PacketType::close:
      return close_ws(ws::close_code::normal);
    case eio::PacketType::open:
    case eio::PacketType::ping:
    case eio::PacketType::upgrade:
    case eio::PacketType::noop:
      return;
  }
}

// A binary message is an attachment of the last binary packet: chat events carry none, so they are counted
// off, never kept.
void SocketIoConnection::on_binary(std::string&) {
  if (!cold_ || cold_->attachments_to_skip == 0) return protocol_violation("unexpected binary attachment");
  --cold_->attachments_to_skip;
  trim_cold();
}

void SocketIoConnection::send_ping() {
  queue_control(ws::encode_frame(ws::Opcode::text, std::string(1, static_cast<char>(eio::PacketType::ping))));
}

void SocketIoConnection::on_message(std::string_view data) {
  if (cold_ && cold_->attachments_to_skip > 0) return protocol_violation("missing binary attachments");
  auto packet = sio::decode(data);
  if (!packet) return protocol_violation("parse error: " + packet.error().message);
  if (!chat_open_ && packet->type != sio::PacketType::connect)
    return protocol_violation("authenticate (CONNECT with a token) first");
  if (packet->attachments > 0) cold().attachments_to_skip = packet->attachments;
  switch (packet->type) {
    case sio::PacketType::connect:
      return on_connect(*packet);
    case sio::PacketType::disconnect:
      // The client left the main namespace, its only one: the session ends (its Manager closes it too).
      if (packet->nsp == "/") close_ws(ws::close_code::normal);
      return;
    case sio::PacketType::event:
    case sio::PacketType::binary_event:
      return on_event(*packet);
    case sio::PacketType::ack:
    case sio::PacketType::binary_ack:
    case sio::PacketType::connect_error:
      return;  // the server never asks for acks
  }
}

void SocketIoConnection::on_connect(const sio::Packet& packet) {
  if (packet.nsp != "/") return send_message(sio::encode_connect_error(packet.nsp, "Invalid namespace"));
  if (connected_)
    return send_message(socketio_chat::encode_connect_refused(
        packet.nsp, {ErrorCode::bad_request, "already connected: one CONNECT per connection"}));
  const std::string* handshake_token = cold_ && !cold_->handshake_token.empty() ? &cold_->handshake_token : nullptr;
  auto who = socketio_chat::authenticate_connect(packet, handshake_token, *context_.authenticate);
  if (who && context_.users) {
    if (context_.users->try_enter(who->user_id)) user_counted_ = true;
    else who = core::Error{ErrorCode::rate_limited, "too many connections for this user"};
  }
  if (!who) return send_message(socketio_chat::encode_connect_refused(packet.nsp, who.error()));
  connected_ = true;
  leave_pending();
  if (cold_) cold_->handshake_token.clear();
  trim_cold();
  set_identity(std::move(*who));
  send_message(sio::encode_connect_ok(packet.nsp, auth::random_id(15)));
  chat_open_ = true;
  // From now on deliveries carry their Socket.IO forms (push() copes with one made just before).
  socketio_counted_ = true;
  chat::count_socketio_sessions(1);
  attached_ = true;
  context_.node->attach(shared_from_this());
  set_deadline(identity().expires_at * 1000);  // the token expires: on_deadline closes with 4001
}

void SocketIoConnection::on_event(sio::Packet& packet) {
  if (packet.nsp != "/") return;  // as the reference server: events of a namespace not connected are ignored
  auto [request, error] = socketio_chat::event_request(packet, packet.attachments > 0);
  if (error) return reply_error(request, *error);
  context_.node->handle(shared_from_this(), std::move(request));  // counts messages_in
}

void SocketIoConnection::send_message(std::string_view packet) {
  queue_frame(ws::encode_text_frame({"4", packet}));
}

void SocketIoConnection::protocol_violation(std::string_view reason) {
  core::metrics().protocol_errors.fetch_add(1, std::memory_order_relaxed);
  spdlog::debug("socket.io connection {}: {}", connection_id(), reason);
  close_ws(ws::close_code::normal);
}

void SocketIoConnection::on_deadline() {
  if (!connected_) return close_ws(ws::close_code::normal);  // no CONNECT within the connect timeout
  close(ws::close_code::token_expired, "token expired");
}

void SocketIoConnection::push(const chat::DeliveryPtr& delivery) {
  if (chat_open_) queue_delivery(chat::with_socketio(delivery));
}

void SocketIoConnection::reply_ok(const protocol::Request& request, std::string_view data_json) {
  if (!chat_open_) return;
  if (auto packet = socketio_chat::encode_reply_ok(request, data_json)) send_message(*packet);
}

void SocketIoConnection::reply_error(const protocol::Request& request, const core::Error& error) {
  if (chat_open_) send_message(socketio_chat::encode_reply_error(request, error));
}

void SocketIoConnection::close(uint16_t code, std::string_view) {
  if (!chat_open_) return;
  if (socketio_chat::disconnects_first(code)) send_message(sio::encode(sio::PacketType::disconnect, "/", std::nullopt, {}));
  chat_open_ = false;
  close_ws(code);
}

void SocketIoConnection::when_drained(size_t threshold, std::function<void()> fn) {
  if (!chat_open_) return;
  Cold& c = cold();
  c.drain_threshold = threshold;
  c.drained = std::move(fn);
  if (queued_bytes() <= threshold) notify_drained();
}

void SocketIoConnection::notify_drained() {
  if (!cold_ || !cold_->drained || ws_closing() || queued_bytes() > cold_->drain_threshold) return;
  asio::post(loop_executor(), [self = shared_from_this(), this, fn = std::move(cold_->drained)] {
    if (!ws_closing()) fn();
  });
  cold_->drained = nullptr;
  trim_cold();
}

void SocketIoConnection::on_closing() {
  chat_open_ = false;
  if (cold_) {
    cold_->drained = nullptr;
    trim_cold();
  }
  leave_pending();
  // Leave rooms on a later turn (never from inside Hub::deliver): others see user:left promptly.
  asio::post(loop_executor(), [self = shared_from_this(), this] { detach(); });
}

void SocketIoConnection::on_finished() { detach(); }

void SocketIoConnection::leave_pending() {
  if (std::exchange(pending_, false) && context_.pending) context_.pending->leave();
}

void SocketIoConnection::detach() {
  if (!std::exchange(attached_, false)) return;
  context_.node->detach(shared_from_this());
}

}  // namespace parley::net::engineio

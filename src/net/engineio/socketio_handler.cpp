#include "net/engineio/socketio_handler.hpp"

#include <boost/json.hpp>

#include "auth/random.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "net/engineio/socketio_chat.hpp"

namespace parley::net::engineio {

namespace json = boost::json;
namespace sio = protocol::socketio;
using core::ErrorCode;


SocketIoHandler::SocketIoHandler(chat::Node* node, const Authenticator& authenticate, bool conformance,
                                 PendingSessions* pending, UserConnections* users)
    : node_(node), authenticate_(authenticate), conformance_(conformance), pending_(pending), users_(users) {}

void SocketIoHandler::end_chat() {
  if (auto chat = std::exchange(chat_, nullptr)) chat->end();
  leave_user();
}

namespace {
void protocol_violation(EngineSession& session, std::string reason) {
  core::metrics().protocol_errors.fetch_add(1, std::memory_order_relaxed);
  session.close(std::move(reason));
}
}  // namespace

void SocketIoHandler::on_open(EngineSession& session) {
  session.set_deadline(core::now_ms() + session.options().connect_timeout_ms);
}

void SocketIoHandler::on_deadline(EngineSession& session) {
  if (!ever_connected_) return session.close("connect timeout");
  if (chat_) chat_->close(protocol::ws::close_code::token_expired, "token expired");
}

void SocketIoHandler::on_message(EngineSession& session, std::string data, bool binary) {
  if (binary) {
    if (!partial_) return protocol_violation(session, "unexpected binary attachment");
    partial_->bytes += data.size();
    if (partial_->bytes > session.options().max_payload)
      return protocol_violation(session, "binary attachments over the payload limit");
    partial_->attachments.push_back(std::move(data));
    if (partial_->attachments.size() == partial_->packet.attachments) {
      auto complete = std::move(partial_);
      dispatch(session, std::move(complete->packet), std::move(complete->attachments));
    }
    return;
  }
  if (partial_) return protocol_violation(session, "missing binary attachments");
  auto packet = sio::decode(data);
  if (!packet) return protocol_violation(session, "parse error: " + packet.error().message);
  if (!conformance_ && !chat_ && packet->type != sio::PacketType::connect)
    return protocol_violation(session, "authenticate (CONNECT with a token) first");
  if (packet->attachments > 0) {
    partial_ = std::make_unique<Partial>(Partial{std::move(*packet), {}, 0});
    return;
  }
  dispatch(session, std::move(*packet), {});
}

void SocketIoHandler::on_close(EngineSession&, std::string_view) {
  stop_pending();
  end_chat();
  namespaces_ = 0;
}

void SocketIoHandler::dispatch(EngineSession& session, sio::Packet packet, std::vector<std::string> attachments) {
  switch (packet.type) {
    case sio::PacketType::connect:
      return on_connect(session, packet);
    case sio::PacketType::disconnect:
      namespaces_ &= static_cast<uint8_t>(~namespace_bit(packet.nsp));
      if (packet.nsp == "/") end_chat();
      return;
    case sio::PacketType::event:
    case sio::PacketType::binary_event:
      if (!(namespaces_ & namespace_bit(packet.nsp))) return;  // as the reference: ignored
      return on_event(session, std::move(packet), std::move(attachments));
    case sio::PacketType::ack:
    case sio::PacketType::binary_ack:
    case sio::PacketType::connect_error:
      return;  // the server never asks for acks
  }
}

void SocketIoHandler::on_connect(EngineSession& session, const sio::Packet& packet) {
  bool known = packet.nsp == "/" || (conformance_ && packet.nsp == "/custom");
  if (!known) {
    session.send_message(sio::encode_connect_error(packet.nsp, "Invalid namespace"));
    return;
  }
  if (conformance_) {
    ever_connected_ = true;
    session.set_deadline(net::WsCore::never);
    namespaces_ |= namespace_bit(packet.nsp);
    session.send_message(sio::encode_connect_ok(packet.nsp, auth::random_id(15)));
    std::string auth = packet.data ? json::serialize(*packet.data) : "{}";
    session.send_message(sio::encode(sio::PacketType::event, packet.nsp, std::nullopt, "[\"auth\"," + auth + "]"));
    return;
  }
  auto identity = socketio_chat::authenticate_connect(packet, session.handshake_token(), authenticate_);
  if (identity && users_) {
    end_chat();  // a second CONNECT replaces the first: its place goes back before the new one is counted
    if (users_->try_enter(identity->user_id)) {
      user_counted_ = true;
      counted_user_ = identity->user_id;
    } else {
      identity = core::Error{ErrorCode::rate_limited, "too many connections for this user"};
    }
  }
  if (!identity) {
    session.send_message(socketio_chat::encode_connect_refused(packet.nsp, identity.error()));
    return;
  }
  ever_connected_ = true;
  stop_pending();
  namespaces_ |= namespace_bit(packet.nsp);
  if (chat_) std::exchange(chat_, nullptr)->end();
  session.send_message(sio::encode_connect_ok(packet.nsp, auth::random_id(15)));
  chat_ = std::make_shared<ChatSession>(session.shared_from_this(), *node_, std::move(*identity));
  chat_->start();
}

void SocketIoHandler::on_event(EngineSession& session, sio::Packet packet, std::vector<std::string> attachments) {
  if (conformance_) return conformance_event(session, packet, attachments);
  if (!chat_ || packet.nsp != "/") return;
  auto [request, error] = socketio_chat::event_request(packet, !attachments.empty());
  if (error) return chat_->reply_error(request, *error);
  node_->handle(chat_, std::move(request));  // counts messages_in
}

void SocketIoHandler::conformance_event(EngineSession& session, const sio::Packet& packet,
                                        const std::vector<std::string>& attachments) {
  const auto& args = packet.data->get_array();
  if (!args.front().is_string()) return;
  std::string_view name = args.front().get_string();
  bool binary = packet.type == sio::PacketType::binary_event;
  if (name == "message") {
    sio::Packet back = packet;
    back.id.reset();
    back.data->get_array().front() = "message-back";
    return send_packet(session, back, attachments);
  }
  if (name == "message-with-ack" && packet.id) {
    sio::Packet ack;
    ack.type = binary ? sio::PacketType::binary_ack : sio::PacketType::ack;
    ack.nsp = packet.nsp;
    ack.id = packet.id;
    ack.attachments = packet.attachments;
    json::array rest(args.begin() + 1, args.end());
    ack.data = json::value(std::move(rest));
    return send_packet(session, ack, attachments);
  }
}

void SocketIoHandler::send_packet(EngineSession& session, const sio::Packet& packet,
                                  const std::vector<std::string>& attachments) {
  session.send_message(sio::encode(packet));
  for (const auto& a : attachments) session.send_message(a, true);
}

}  // namespace parley::net::engineio

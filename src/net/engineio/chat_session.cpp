#include "net/engineio/chat_session.hpp"

#include <boost/asio/post.hpp>

#include "protocol/native.hpp"
#include "protocol/socketio.hpp"
#include "protocol/socketio_event.hpp"

namespace parley::net::engineio {

namespace asio = boost::asio;
namespace sio = protocol::socketio;
namespace ws = protocol::ws;

namespace {
// The ack id of a request (Socket.IO ids are non-negative integers); nullopt if none.
std::optional<uint64_t> ack_id(const protocol::Request& request) {
  if (!request.id) return std::nullopt;
  if (request.id->is_uint64()) return request.id->get_uint64();
  if (request.id->is_int64() && request.id->get_int64() >= 0) return static_cast<uint64_t>(request.id->get_int64());
  return std::nullopt;
}
}  // namespace

ChatSession::ChatSession(std::shared_ptr<EngineSession> engine, chat::Node& node, chat::Identity identity)
    : chat::Session(engine->loop_index(), node.next_connection_id(), std::move(identity)),
      engine_(std::move(engine)),
      node_(node) {}

ChatSession::~ChatSession() {
  if (counted_) chat::count_socketio_sessions(-1);
}

void ChatSession::start() {
  open_ = true;
  // From now on deliveries carry their Socket.IO forms (push() copes with one made just before).
  counted_ = true;
  chat::count_socketio_sessions(1);
  attached_ = true;
  node_.attach(shared_from_this());
  engine_->set_deadline(identity().expires_at * 1000);
}

void ChatSession::end() {
  if (!open_ && !attached_) return;
  open_ = false;
  detach_later();
}

void ChatSession::detach_later() {
  // Never detach from inside a fan-out loop: post it.
  asio::post(executor(), [self = shared_from_this(), this] {
    if (attached_) {
      attached_ = false;
      node_.detach(shared_from_this());
    }
  });
}

void ChatSession::push(const chat::DeliveryPtr& delivery) {
  if (!open_) return;
  engine_->send_delivery(chat::with_socketio(delivery));
}

void ChatSession::reply_ok(const protocol::Request& request, std::string_view data_json) {
  auto id = ack_id(request);
  if (!open_ || !id) return;
  std::string arg = "{\"ok\":true,\"data\":";
  arg += data_json.empty() ? std::string_view("null") : data_json;
  arg += '}';
  engine_->send_message(sio::encode_ack(*id, arg));
}

void ChatSession::reply_error(const protocol::Request& request, const core::Error& error) {
  if (!open_) return;
  if (auto id = ack_id(request)) {
    engine_->send_message(sio::encode_ack(*id, protocol::encode_error_object(error)));
    return;
  }
  std::string data = "{\"code\":" + protocol::json_quote(core::to_string(error.code)) +
                     ",\"message\":" + protocol::json_quote(error.message) +
                     ",\"event\":" + protocol::json_quote(request.event) + "}";
  engine_->send_message(protocol::encode_socketio_event("error", data));
}

void ChatSession::close(uint16_t code, std::string_view reason) {
  if (!open_) return;
  if (code == ws::close_code::token_expired || code == ws::close_code::policy)
    engine_->send_message(sio::encode(sio::PacketType::disconnect, "/", std::nullopt, {}));
  open_ = false;
  engine_->close(std::string(reason), code);
  detach_later();
}

void ChatSession::when_drained(size_t threshold, std::function<void()> fn) {
  if (!open_) return;
  engine_->when_drained(threshold, std::move(fn));
}

}  // namespace parley::net::engineio

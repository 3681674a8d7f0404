#include "net/engineio/chat_session.hpp"

#include <boost/asio/post.hpp>

#include "net/engineio/socketio_chat.hpp"
#include "protocol/socketio.hpp"

namespace parley::net::engineio {

namespace asio = boost::asio;
namespace sio = protocol::socketio;


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
  if (!open_) return;
  if (auto packet = socketio_chat::encode_reply_ok(request, data_json)) engine_->send_message(*packet);
}

void ChatSession::reply_error(const protocol::Request& request, const core::Error& error) {
  if (open_) engine_->send_message(socketio_chat::encode_reply_error(request, error));
}

void ChatSession::close(uint16_t code, std::string_view reason) {
  if (!open_) return;
  if (socketio_chat::disconnects_first(code))
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

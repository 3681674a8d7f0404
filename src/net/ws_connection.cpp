#include "net/ws_connection.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "core/metrics.hpp"
#include "net/connection_gate.hpp"

namespace parley::net {

namespace asio = boost::asio;
namespace ws = protocol::ws;

// Made with make_shared: with its 16-byte control block an idle connection is one 320-byte block (jemalloc's
// size class; the next is 384). bench/README.md, "Idle memory", has the rest of what a connection costs.
static_assert(sizeof(WsConnection) <= 304, "WsConnection outgrew its allocation size class");

WsConnection::WsConnection(asio::ip::tcp::socket socket, size_t loop_index, ConnectionContext& context,
                           chat::Identity identity, bool user_counted)
    : chat::Session(loop_index, context.node->next_connection_id(), std::move(identity)),
      WsCore(adopt(std::move(socket)), context.limits.max_frame_bytes, context.limits.send_queue_bytes),
      context_(context),
      user_counted_(user_counted) {
  core::metrics().connections.fetch_add(1, std::memory_order_relaxed);
  core::metrics().connections_total.fetch_add(1, std::memory_order_relaxed);
}

WsConnection::~WsConnection() {
  if (user_counted_) context_.gate->per_user.leave(identity().user_id);
  core::metrics().connections.fetch_sub(1, std::memory_order_relaxed);
}

void WsConnection::start(std::string_view initial) {
  attached_ = true;
  context_.node->attach(std::static_pointer_cast<WsConnection>(shared_from_this()));
  set_deadline(identity().expires_at * 1000);  // the token expires: close with 4001
  start_heartbeat();
  start_ws(initial);
}

void WsConnection::on_text(std::string& payload) {
  auto request = protocol::parse_native_request(payload);
  if (!request) {
    queue_frame(ws::encode_frame(ws::Opcode::text, protocol::encode_native_error_push(request.error(), "")));
    return;
  }
  context_.node->handle(std::static_pointer_cast<chat::Session>(shared_from_this()), std::move(*request));
}

void WsConnection::on_binary(std::string&) {
  core::metrics().protocol_errors.fetch_add(1, std::memory_order_relaxed);
  close_ws(ws::close_code::unsupported, "binary frames are not supported");
}

void WsConnection::push(const chat::DeliveryPtr& delivery) { queue_delivery(delivery); }

void WsConnection::reply_ok(const protocol::Request& request, std::string_view data_json) {
  if (ws_closing() || !request.id) return;
  queue_frame(protocol::encode_native_reply_ok_frame(*request.id, data_json));
}

void WsConnection::reply_error(const protocol::Request& request, const core::Error& error) {
  if (ws_closing()) return;
  queue_frame(ws::encode_frame(ws::Opcode::text, request.id
                                                     ? protocol::encode_native_reply_error(*request.id, error)
                                                     : protocol::encode_native_error_push(error, request.event)));
}

void WsConnection::when_drained(size_t threshold, std::function<void()> fn) {
  drained_ = std::make_unique<DrainWaiter>(DrainWaiter{threshold, std::move(fn)});
  if (queued_bytes() <= threshold) notify_drained();
}

void WsConnection::notify_drained() {
  if (!drained_ || ws_closing() || queued_bytes() > drained_->threshold) return;
  asio::post(loop_executor(), [self = shared_from_this(), this, fn = std::move(drained_->fn)] {
    if (!ws_closing()) fn();
  });
  drained_.reset();
}

void WsConnection::on_heartbeat_lost() {
  spdlog::debug("connection {} ({}): no pong within the timeout: dropped", connection_id(), identity().username);
  finish();
}

void WsConnection::on_deadline() { close_ws(ws::close_code::token_expired, "token expired"); }

void WsConnection::on_closing() {
  drained_ = nullptr;
  // Leave rooms on a later turn (never from inside Hub::deliver): others see user:left promptly.
  asio::post(loop_executor(), [self = shared_from_this(), this] { detach(); });
}

void WsConnection::on_finished() {
  spdlog::debug("connection {} ({}): finished", connection_id(), identity().username);
  detach();
}

void WsConnection::detach() {
  if (!std::exchange(attached_, false)) return;
  context_.node->detach(std::static_pointer_cast<chat::Session>(shared_from_this()));
}

}  // namespace parley::net

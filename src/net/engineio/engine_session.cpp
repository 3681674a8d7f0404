#include "net/engineio/engine_session.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "core/base64.hpp"
#include "core/metrics.hpp"

namespace parley::net::engineio {

namespace asio = boost::asio;
namespace eio = protocol::engineio;
namespace ws = protocol::ws;
using eio::PacketType;

PollAnswer error_answer(int engineio_code, unsigned status) {
  PollAnswer a;
  a.status = status;
  a.content_type = "application/json";
  a.pieces.push_back({nullptr, eio::encode_error_body(engineio_code)});
  return a;
}

namespace {
PollAnswer text_answer(std::string text, std::string content_type = "text/plain; charset=UTF-8") {
  PollAnswer a;
  a.content_type = std::move(content_type);
  a.pieces.push_back({nullptr, std::move(text)});
  return a;
}
}  // namespace

EngineSession::EngineSession(LoopExecutor executor, size_t loop_index, std::string sid, const Config& config,
                             std::optional<std::string> token, Registry& registry)
    : executor_(executor),
      loop_index_(loop_index),
      sid_(std::move(sid)),
      config_(config),
      token_(token ? std::make_unique<std::string>(std::move(*token)) : nullptr),
      registry_(registry) {}

EngineSession::~EngineSession() {
  ExpiryService::of(executor_).remove(*this);
  if (counted_) core::metrics().connections.fetch_sub(1, std::memory_order_relaxed);
}

void EngineSession::register_open() {
  registry_.add(sid_, shared_from_this());
  counted_ = true;
  core::metrics().connections.fetch_add(1, std::memory_order_relaxed);
  core::metrics().connections_total.fetch_add(1, std::memory_order_relaxed);
}

void EngineSession::open_polling(PollResponder respond) {
  register_open();
  const Options& o = config_.options;
  respond(text_answer(eio::encode_text_packet(
      PacketType::open,
      eio::encode_handshake({sid_, true, o.ping_interval_ms, o.ping_timeout_ms, o.max_payload}))));
  start_heartbeat();
  if (handler_) handler_->on_open(*this);
}

void EngineSession::open_websocket(std::shared_ptr<WsTransport> transport, std::string_view initial) {
  register_open();
  ws_ = std::move(transport);
  const Options& o = config_.options;
  ws_->send_text(eio::encode_text_packet(
      PacketType::open, eio::encode_handshake({sid_, false, o.ping_interval_ms, o.ping_timeout_ms, o.max_payload})));
  ws_->start_heartbeat();
  if (handler_) handler_->on_open(*this);
  if (ws_) ws_->start(initial, shared_from_this());
}

void EngineSession::on_poll(PollResponder respond) {
  if (finished_) return respond(error_answer(eio::error_code::unknown_sid));
  if (ws_) return respond(error_answer(eio::error_code::bad_request));
  if (upgrading_) return respond(text_answer("6"));
  Polling& p = polling();
  if (p.poll) {
    // Overlapping GETs: the reference server refuses the second and closes the session.
    respond(error_answer(eio::error_code::bad_request));
    return finish("overlapping poll", PacketType::close);
  }
  p.poll = std::move(respond);
  if (!p.buffer.empty()) flush();
}

void EngineSession::on_post(std::string body, PollResponder respond) {
  if (finished_) return respond(error_answer(eio::error_code::unknown_sid));
  if (ws_) return respond(error_answer(eio::error_code::bad_request));
  if (body.size() > config_.options.max_payload) {
    respond(PollAnswer{413, "text/plain", {}});
    return finish("payload too large", PacketType::close);
  }
  auto packets = eio::decode_payload(body);
  if (!packets) {
    core::metrics().protocol_errors.fetch_add(1, std::memory_order_relaxed);
    respond(error_answer(eio::error_code::bad_request));
    return finish("parse error", PacketType::close);
  }
  respond(text_answer("ok", "text/html"));
  for (auto& p : *packets) {
    if (finished_) break;
    on_packet(std::move(p));
  }
}

void EngineSession::on_upgrade(std::shared_ptr<WsTransport> transport, std::string initial) {
  if (finished_ || closing_ || ws_ || (polling_ && polling_->probe)) {
    transport->start({}, nullptr);
    transport->close(ws::close_code::policy, "cannot upgrade this session");
    return;
  }
  polling().probe = std::move(transport);
  polling_->probe->start(initial, shared_from_this());
}

void EngineSession::on_packet(eio::Packet packet) {
  switch (packet.type) {
    case PacketType::pong:
      if (ws_) {
        ws_->heartbeat_answered();
      } else if (awaiting_pong_) {
        awaiting_pong_ = false;
        start_heartbeat();
      }
      return;
    case PacketType::message:
      if (handler_ && !closing_) handler_->on_message(*this, std::move(packet.data), packet.binary);
      return;
    case PacketType::close:
      return finish("client close", PacketType::noop);
    case PacketType::open:
    case PacketType::ping:
    case PacketType::upgrade:
    case PacketType::noop:
      return;
  }
}

void EngineSession::on_ws_message(WsTransport& transport, std::string& payload, bool binary) {
  if (finished_) return;
  if (probing(transport)) {
    if (!binary && payload == "2probe") {
      polling_->probe->send_text("3probe");
      upgrading_ = true;
      if (polling_->poll) answer_poll({{nullptr, "6"}});
    } else if (!binary && payload == "5") {
      complete_upgrade();
    } else {
      auto probe = std::move(polling_->probe);
      upgrading_ = false;
      probe->close(ws::close_code::protocol_error, "unexpected packet during the upgrade");
    }
    return;
  }
  if (!ws_ || &transport != ws_.get()) return;
  if (binary) return on_packet({PacketType::message, std::move(payload), true});
  auto packet = eio::decode_text_packet(payload);
  if (!packet) {
    core::metrics().protocol_errors.fetch_add(1, std::memory_order_relaxed);
    return finish("parse error", PacketType::close);
  }
  on_packet(std::move(*packet));
}

// The WebSocket takes over: the polling heartbeat and deadline move to its core, and what waited in the
// session's buffer goes into its queue.
void EngineSession::complete_upgrade() {
  ws_ = std::move(polling_->probe);
  upgrading_ = false;
  if (polling_->poll) answer_poll({{nullptr, "6"}});
  polling_->heartbeat_timer.reset();  // cancels its wait
  awaiting_pong_ = false;
  ExpiryService::of(executor_).remove(*this);
  ws_->start_heartbeat();
  if (deadline_ms_ != WsCore::never) ws_->set_deadline(deadline_ms_);
  flush();
  if (closing_ && ws_) ws_->close(close_ws_code_);
  if (!finished_) polling_.reset();  // nothing of polling is used from here on
}

void EngineSession::on_ws_written(WsTransport&) { notify_drained(); }

void EngineSession::on_ws_deadline(WsTransport& transport) {
  if (&transport == ws_.get() && handler_) handler_->on_deadline(*this);
}

void EngineSession::on_ws_heartbeat_lost(WsTransport& transport) {
  if (&transport == ws_.get()) finish("ping timeout", PacketType::close);
}

void EngineSession::on_ws_closed(WsTransport& transport) {
  if (probing(transport)) {
    polling_->probe.reset();
    upgrading_ = false;
    return;
  }
  if (ws_ && &transport == ws_.get()) finish("transport close", PacketType::close);
}

void EngineSession::set_deadline(int64_t at_ms) {
  deadline_ms_ = at_ms;
  if (ws_) return ws_->set_deadline(at_ms);
  auto& expiry = ExpiryService::of(executor_);
  if (at_ms == WsCore::never) return expiry.remove(*this);
  expiry.add(executor_, *this, at_ms);
}

void EngineSession::on_expired() {
  if (!finished_ && handler_) handler_->on_deadline(*this);
}

bool EngineSession::send_ws(Out& out) {
  if (out.delivery) return ws_->send_delivery(out.delivery);
  if (out.binary) return ws_->send_binary(out.data);
  return ws_->send_text(eio::encode_text_packet(out.type, out.data));
}

bool EngineSession::enqueue(Out out) {
  if (closing_ || finished_) return false;
  // On a WebSocket: straight into its queue, which enforces the limit (a slow reader's transport closes
  // with 4008 and the session ends with it).
  if (ws_) return send_ws(out);
  size_t size = out.size();
  if (queued_bytes() + size > config_.send_queue_bytes) {
    core::metrics().slow_clients_dropped.fetch_add(1, std::memory_order_relaxed);
    polling().buffer.clear();
    polling_->buffer_bytes = 0;
    close("too slow a reader", ws::close_code::too_slow);
    return false;
  }
  core::metrics().messages_out.fetch_add(1, std::memory_order_relaxed);
  Polling& p = polling();
  p.buffer_bytes += size;
  p.buffer.push_back(std::move(out));
  schedule_flush();
  return true;
}

bool EngineSession::send_message(std::string_view data, bool binary) {
  return enqueue({PacketType::message, nullptr, std::string(data), binary});
}

bool EngineSession::send_delivery(const chat::DeliveryPtr& delivery) {
  return enqueue({PacketType::message, delivery, {}, false});
}

size_t EngineSession::queued_bytes() const {
  return (polling_ ? polling_->buffer_bytes : 0) + (ws_ ? ws_->queued_bytes() : 0);
}

// Batches: everything queued during this loop turn goes out together (polling only).
void EngineSession::schedule_flush() {
  if (flush_scheduled_ || finished_) return;
  flush_scheduled_ = true;
  asio::post(executor_, [self = shared_from_this(), this] {
    flush_scheduled_ = false;
    flush();
  });
}

void EngineSession::flush() {
  if (finished_ || !polling_ || polling_->buffer.empty()) return;
  Polling& p = *polling_;
  if (ws_) {
    // What waited for the upgrade to complete.
    auto waiting = std::exchange(p.buffer, {});
    p.buffer_bytes = 0;
    for (Out& o : waiting)
      if (!send_ws(o)) break;
    return;
  }
  if (!p.poll || upgrading_) return;
  std::vector<PollPiece> pieces;
  pieces.reserve(p.buffer.size() * 2);
  bool has_close = false;
  for (Out& o : p.buffer) {
    std::string head = pieces.empty() ? std::string() : std::string(1, eio::record_separator);
    if (o.delivery) {
      head += '4';
      pieces.push_back({nullptr, std::move(head)});
      pieces.push_back({std::move(o.delivery), {}});
    } else if (o.binary) {
      head += 'b';
      head += core::base64_encode(o.data);
      pieces.push_back({nullptr, std::move(head)});
    } else {
      head += static_cast<char>(o.type);
      head += o.data;
      pieces.push_back({nullptr, std::move(head)});
    }
    if (o.type == PacketType::close) has_close = true;
  }
  std::vector<Out>().swap(p.buffer);  // an idle polling session keeps no capacity (`= {}` would keep it)
  p.buffer_bytes = 0;
  answer_poll(std::move(pieces));
  if (has_close) finish("server close", PacketType::noop);
}

void EngineSession::answer_poll(std::vector<PollPiece> pieces) {
  PollAnswer answer;
  answer.pieces = std::move(pieces);
  auto respond = std::move(polling_->poll);
  polling_->poll = nullptr;
  respond(std::move(answer));
  notify_drained();
}

void EngineSession::when_drained(size_t threshold, std::function<void()> fn) {
  drained_ = std::make_unique<DrainWaiter>(DrainWaiter{threshold, std::move(fn)});
  if (queued_bytes() <= threshold) notify_drained();
}

void EngineSession::notify_drained() {
  if (!drained_ || closing_ || finished_ || queued_bytes() > drained_->threshold) return;
  asio::post(executor_, [self = shared_from_this(), this, fn = std::move(drained_->fn)] {
    if (is_open()) fn();
  });
  drained_.reset();
}

// Polling's heartbeat (a WebSocket's is its core's).
void EngineSession::start_heartbeat() {
  Polling& p = polling();
  if (!p.heartbeat_timer) p.heartbeat_timer = std::make_unique<asio::steady_timer>(executor_);
  p.heartbeat_timer->expires_after(std::chrono::milliseconds(config_.options.ping_interval_ms));
  p.heartbeat_timer->async_wait([self = shared_from_this(), this](boost::system::error_code ec) {
    if (!ec) on_heartbeat_timer();
  });
}

void EngineSession::on_heartbeat_timer() {
  if (finished_ || ws_) return;
  if (awaiting_pong_) return finish("ping timeout", PacketType::close);
  // A ping is tiny and must go out even to a reader near its limit: bypass the byte check.
  awaiting_pong_ = true;
  if (!closing_) {
    polling().buffer_bytes += 1;
    polling_->buffer.push_back({PacketType::ping, nullptr, {}, false});
    schedule_flush();
  }
  Polling& p = polling();
  p.heartbeat_timer->expires_after(std::chrono::milliseconds(config_.options.ping_timeout_ms));
  p.heartbeat_timer->async_wait([self = shared_from_this(), this](boost::system::error_code ec) {
    if (!ec) on_heartbeat_timer();
  });
}

void EngineSession::close(std::string reason, uint16_t ws_code) {
  if (closing_ || finished_) return;
  closing_ = true;
  drained_ = nullptr;
  asio::post(executor_, [self = shared_from_this(), this, reason = std::move(reason), ws_code] {
    do_close(reason, ws_code);
  });
}

void EngineSession::do_close(std::string reason, uint16_t ws_code) {
  if (finished_) return;
  close_ws_code_ = ws_code;
  if (polling_ && polling_->probe && !ws_) {
    auto probe = std::move(polling_->probe);
    upgrading_ = false;
    probe->close(ws_code);
  }
  if (ws_) {
    flush();
    ws_->close(ws_code);
    return finish(reason, PacketType::close);
  }
  // Polling: the close packet goes out with (after) what is queued, on the waiting or the next GET.
  polling().buffer.push_back({PacketType::close, nullptr, {}, false});
  polling_->buffer_bytes += 1;
  flush();
  if (finished_) return;
  Polling& p = polling();
  p.close_timer = std::make_unique<asio::steady_timer>(executor_, std::chrono::milliseconds(config_.options.close_grace_ms));
  p.close_timer->async_wait([self = shared_from_this(), this, reason](boost::system::error_code ec) {
    if (!ec) finish(reason, PacketType::close);
  });
}

void EngineSession::finish(std::string_view reason, PacketType poll_packet) {
  if (finished_) return;
  spdlog::debug("engine.io session {}: closed ({})", sid_, reason);
  finished_ = true;
  closing_ = true;
  drained_ = nullptr;
  registry_.remove(sid_);
  ExpiryService::of(executor_).remove(*this);
  if (polling_) {
    Polling& p = *polling_;
    p.heartbeat_timer.reset();
    if (p.close_timer) p.close_timer->cancel();
    if (p.poll) {
      auto respond = std::move(p.poll);
      p.poll = nullptr;
      respond(text_answer(std::string(1, static_cast<char>(poll_packet))));
    }
    p.buffer.clear();
    p.buffer_bytes = 0;
    if (auto probe = std::move(p.probe)) probe->close(ws::close_code::normal);
  }
  if (auto w = std::move(ws_)) w->close(close_ws_code_);
  if (counted_) {
    counted_ = false;
    core::metrics().connections.fetch_sub(1, std::memory_order_relaxed);
  }
  if (Handler* h = std::exchange(handler_, nullptr)) h->on_close(*this, reason);
}

}  // namespace parley::net::engineio

#include "net/ws_connection.hpp"

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <limits>
#include <spdlog/spdlog.h>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "net/connection_gate.hpp"
#include "net/exact_allocator.hpp"

namespace parley::net {

namespace asio = boost::asio;
namespace ws = protocol::ws;

namespace {
constexpr size_t read_chunk = 65536;  // per thread, not per connection
constexpr auto close_grace = std::chrono::seconds(2);
const std::string& native_frame_of(const chat::Delivery& d) { return d.native_ws_frame; }

// The accepted socket re-wrapped on the loop's own executor type (the Session already holds it).
asio::basic_stream_socket<asio::ip::tcp, chat::Session::LoopExecutor> adopt(const chat::Session::LoopExecutor& executor,
                                                                          asio::ip::tcp::socket socket) {
  boost::system::error_code ec;
  auto endpoint = socket.local_endpoint(ec);
  auto protocol = ec ? asio::ip::tcp::v4() : endpoint.protocol();
  return {executor, protocol, socket.release(ec)};
}
}  // namespace

WsConnection::WsConnection(asio::ip::tcp::socket socket, size_t loop_index, ConnectionContext& context,
                           chat::Identity identity, bool user_counted)
    : chat::Session(socket.get_executor(), loop_index, context.node->next_connection_id(), std::move(identity)),
      socket_(adopt(executor(), std::move(socket))),
      context_(context),
      parser_(context.limits.max_frame_bytes),
      writer_(socket_.get_executor(), &native_frame_of),
      expiry_(ExpiryService::of(socket_.get_executor())),
      user_counted_(user_counted) {
  core::metrics().connections.fetch_add(1, std::memory_order_relaxed);
  core::metrics().connections_total.fetch_add(1, std::memory_order_relaxed);
}

WsConnection::~WsConnection() {
  expiry_.remove(*this);
  if (user_counted_) context_.gate->per_user.leave(identity().user_id);
  core::metrics().connections.fetch_sub(1, std::memory_order_relaxed);
}

void WsConnection::start(std::string initial) {
  boost::system::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);  // reads and writes are tried at once and never block
  attached_ = true;
  context_.node->attach(std::static_pointer_cast<WsConnection>(shared_from_this()));
  // Close with 4001 when the token expires; ping every interval.
  beat_ = context_.ws_ping_interval_ms > 0 ? Beat::waiting : Beat::off;
  wait_until(beat_ == Beat::off ? std::numeric_limits<int64_t>::max() : core::now_ms() + context_.ws_ping_interval_ms);
  if (!initial.empty()) on_bytes(reinterpret_cast<const uint8_t*>(initial.data()), initial.size());
  read();
}

// Waits for readability, then reads into a buffer shared by every connection of this thread: an idle
// connection holds no read buffer (the parser keeps any partial frame itself, so nothing refers to the shared
// buffer once on_bytes returns).
void WsConnection::read() {
  if (finished_) return;
  // Captures only `self` (no separate `this`): this wait is pending on every idle connection, and 8 bytes
  // less puts it in a smaller malloc bin.
  auto on_readable = [self = std::static_pointer_cast<WsConnection>(shared_from_this())](boost::system::error_code ec) {
    self->on_readable(ec);
  };
  socket_.async_wait(asio::ip::tcp::socket::wait_read, asio::bind_allocator(ExactAllocator<void>(), std::move(on_readable)));
}

void WsConnection::on_readable(boost::system::error_code ec) {
  if (finished_) return;
  if (ec) {
    log_state("read ended");
    return finish();
  }
  thread_local std::unique_ptr<uint8_t[]> shared_buffer = std::make_unique<uint8_t[]>(read_chunk);
  size_t n = socket_.read_some(asio::buffer(shared_buffer.get(), read_chunk), ec);
  if (ec == asio::error::would_block) return read();
  if (ec) {
    log_state("read ended");
    return finish();
  }
  on_bytes(shared_buffer.get(), n);
  read();
}

void WsConnection::on_bytes(const uint8_t* data, size_t size) {
  ws::Message message;
  while (size > 0 && !finished_) {
    auto outcome = parser_.parse(data, size, message);
    data += outcome.consumed;
    size -= outcome.consumed;
    if (outcome.status == ws::FrameParser::Status::need_more) return;
    if (outcome.status == ws::FrameParser::Status::error) {
      core::metrics().protocol_errors.fetch_add(1, std::memory_order_relaxed);
      close(outcome.close_code, outcome.reason);
      return;
    }
    on_message(message);
  }
}

void WsConnection::on_message(ws::Message& message) {
  switch (message.opcode) {
    case ws::Opcode::text: {
      if (closing_) return;
      auto request = protocol::parse_native_request(message.payload);
      if (!request) {
        send_frame(ws::encode_frame(ws::Opcode::text, protocol::encode_native_error_push(request.error(), "")));
        return;
      }
      context_.node->handle(std::static_pointer_cast<chat::Session>(shared_from_this()), std::move(*request));
      return;
    }
    case ws::Opcode::binary:
      core::metrics().protocol_errors.fetch_add(1, std::memory_order_relaxed);
      return close(ws::close_code::unsupported, "binary frames are not supported");
    case ws::Opcode::ping:
      if (!closing_) send_frame(ws::encode_frame(ws::Opcode::pong, message.payload));
      return;
    case ws::Opcode::pong:
      if (beat_ == Beat::awaiting_pong) beat_ = Beat::answered;  // unsolicited pongs (RFC 6455 §5.5.3) change nothing
      return;
    case ws::Opcode::close: {
      if (!closing_) {
        auto [code, reason] = ws::decode_close(message.payload);
        close(code == ws::close_code::no_status ? ws::close_code::normal : code, "");
      }
      // The peer hangs up once it has our close frame; the read then ends and finish() runs.
      return;
    }
    case ws::Opcode::continuation:
      return;  // the parser never yields one
  }
}

void WsConnection::push(const chat::DeliveryPtr& delivery) {
  if (closing_) return;
  if (writer_.queue().bytes() + delivery->native_ws_frame.size() > context_.limits.send_queue_bytes)
    return cut_off_slow_reader();
  core::metrics().messages_out.fetch_add(1, std::memory_order_relaxed);
  writer_.queue().push(delivery);
  schedule_flush(SocketWriter::Priority::fan_out);
}

void WsConnection::send_frame(std::string frame) {
  if (writer_.queue().bytes() + frame.size() > context_.limits.send_queue_bytes && !closing_) return cut_off_slow_reader();
  core::metrics().messages_out.fetch_add(1, std::memory_order_relaxed);
  writer_.queue().push(std::move(frame));
  schedule_flush(SocketWriter::Priority::reply);
}

void WsConnection::reply_ok(const protocol::Request& request, std::string_view data_json) {
  if (closing_ || !request.id) return;
  send_frame(ws::encode_frame(ws::Opcode::text, protocol::encode_native_reply_ok(*request.id, data_json)));
}

void WsConnection::reply_error(const protocol::Request& request, const core::Error& error) {
  if (closing_) return;
  send_frame(ws::encode_frame(ws::Opcode::text, request.id
                                                    ? protocol::encode_native_reply_error(*request.id, error)
                                                    : protocol::encode_native_error_push(error, request.event)));
}

// Batches: everything queued until this connection's turn goes out in one gather write (see FlushService).
void WsConnection::schedule_flush(SocketWriter::Priority priority) {
  if (finished_) return;
  writer_.schedule(socket_.get_executor(), priority,
                   [this] { return std::static_pointer_cast<WsConnection>(shared_from_this()); });
}

void WsConnection::flush() {
  if (finished_) return;
  auto written = writer_.write(socket_, [self = shared_from_this(), this](boost::system::error_code ec) {
    if (finished_) return;
    if (ec) return finish();
    flush();
  });
  if (written == SocketWriter::Written::not_now) return;
  if (written == SocketWriter::Written::failed) return finish();
  notify_drained();
  if (written == SocketWriter::Written::all && closing_) {
    // Our close frame is out: stop sending, and give the peer a moment to answer before we hang up.
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }
}

void WsConnection::when_drained(size_t threshold, std::function<void()> fn) {
  drained_ = std::make_unique<DrainWaiter>(DrainWaiter{threshold, std::move(fn)});
  if (writer_.queue().bytes() <= threshold) notify_drained();
}

void WsConnection::notify_drained() {
  if (!drained_ || closing_ || writer_.queue().bytes() > drained_->threshold) return;
  asio::post(socket_.get_executor(), [self = shared_from_this(), this, fn = std::move(drained_->fn)] {
    if (!closing_) fn();
  });
  drained_.reset();
}

// Never called from inside a fan-out loop's iteration in a way that touches the Hub: close() only queues.
void WsConnection::cut_off_slow_reader() {
  core::metrics().slow_clients_dropped.fetch_add(1, std::memory_order_relaxed);
  writer_.queue().clear_pending();
  close(ws::close_code::too_slow, "too slow a reader");
}

void WsConnection::close(uint16_t code, std::string_view reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  drained_ = nullptr;
  expiry_.remove(*this);
  writer_.queue().push(ws::encode_close(code, reason));
  schedule_flush(SocketWriter::Priority::reply);
  close_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor(), close_grace);
  close_timer_->async_wait([self = shared_from_this(), this](boost::system::error_code ec) {
    if (!ec) finish();
  });
  // Leave rooms now, on a later turn (never from inside Hub::deliver): others see user:left promptly.
  asio::post(socket_.get_executor(), [self = shared_from_this(), this] {
    if (attached_) {
      attached_ = false;
      context_.node->detach(std::static_pointer_cast<chat::Session>(shared_from_this()));
    }
  });
}

void WsConnection::wait_until(int64_t heartbeat_at_ms) {
  expiry_.add(socket_.get_executor(), *this, std::min(identity().expires_at * 1000, heartbeat_at_ms));
}

// One deadline serves both: it is the earlier of the token's expiry and the heartbeat's next step, so a call
// before the token's expiry is the heartbeat's. Every new deadline lies in the future.
void WsConnection::on_expired() {
  if (closing_ || finished_) return;
  const int64_t now = core::now_ms();
  if (now >= identity().expires_at * 1000) return close(ws::close_code::token_expired, "token expired");
  const int64_t interval = context_.ws_ping_interval_ms;
  const int64_t timeout = context_.ws_pong_timeout_ms;
  switch (beat_) {
    case Beat::off:
      return wait_until(std::numeric_limits<int64_t>::max());
    case Beat::awaiting_pong:
      log_state("no pong within the timeout: dropped");
      return finish();
    case Beat::answered:
      // Called at the ping's time + timeout: the next ping is due at the ping's time + interval.
      if (interval > timeout) {
        beat_ = Beat::waiting;
        return wait_until(now + (interval - timeout));
      }
      [[fallthrough]];
    case Beat::waiting:
      send_frame(ws::encode_frame(ws::Opcode::ping, {}));
      if (closing_) return;  // the ping did not fit the send queue: cut off as a slow reader
      beat_ = Beat::awaiting_pong;
      return wait_until(now + timeout);
  }
}

void WsConnection::log_state(const char* what) {
  spdlog::debug("connection {} ({}): {}", connection_id(), identity().username, what);
}

void WsConnection::finish() {
  log_state("finish");
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  expiry_.remove(*this);
  if (close_timer_) close_timer_->cancel();
  boost::system::error_code ec;
  socket_.close(ec);
  if (attached_) {
    attached_ = false;
    context_.node->detach(std::static_pointer_cast<chat::Session>(shared_from_this()));
  }
}

}  // namespace parley::net

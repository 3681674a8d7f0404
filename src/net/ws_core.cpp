#include "net/ws_core.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core/clock.hpp"
#include "core/metrics.hpp"

namespace parley::net {

namespace asio = boost::asio;
namespace ws = protocol::ws;

namespace {
constexpr size_t read_chunk = 65536;  // per thread, not per connection
constexpr int max_reads_per_turn = 4;   // then the poller comes back to the connection on a later turn
constexpr auto close_grace = std::chrono::seconds(2);
}  // namespace

WsCore::Socket WsCore::adopt(const LoopExecutor& executor, asio::ip::tcp::socket socket) {
  boost::system::error_code ec;
  const int fd = socket.release(ec);  // out of asio's reactor (its descriptor state goes back to asio's pool)
  return {executor, ec ? -1 : fd};
}

WsCore::WsCore(Socket socket, size_t max_message_bytes, size_t send_queue_bytes)
    : fd_(socket.fd),
      executor_(socket.executor),
      writer_(executor_),
      max_message_bytes_(static_cast<uint32_t>(std::min<size_t>(max_message_bytes, UINT32_MAX))),
      // The queue counts in 32 bits: half the range leaves room for the control frames that skip the limit.
      send_queue_bytes_(static_cast<uint32_t>(std::min<size_t>(send_queue_bytes, UINT32_MAX / 2))) {}

WsCore::~WsCore() {
  ExpiryService::of(executor_).remove(*this);
  if (fd_ >= 0) ::close(fd_);  // never started, or released by the poller at shutdown
}

void WsCore::start_ws(std::string_view initial) {
  if (fd_ < 0) return finish();
  const int on = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  int non_blocking = 1;
  ::ioctl(fd_, FIONBIO, &non_blocking);  // reads and writes are tried at once and never block
  if (!initial.empty()) on_bytes(reinterpret_cast<const uint8_t*>(initial.data()), initial.size());
  if (finished_) return;
  if (!ReadPoller::of(executor_).add(executor_, fd_, core_ptr())) finish();
}

void WsCore::on_poll_ready(uint32_t events) {
  if (finished_) return;
  if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && writer_.waiting_writable()) {
    writer_.writable();
    flush();
  }
  if (!finished_ && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) on_readable();
}

// Reads into a buffer shared by every connection of this thread (an idle connection holds no read buffer: the
// parser keeps any partial frame itself, so nothing refers to the shared buffer once on_bytes returns) until
// the socket is drained: the poller is edge-triggered. A read shorter than the buffer drained it; after a few
// full ones the poller calls again on a later turn.
void WsCore::on_readable() {
  thread_local std::unique_ptr<uint8_t[]> shared_buffer = std::make_unique<uint8_t[]>(read_chunk);
  for (int reads = 0; reads < max_reads_per_turn; ++reads) {
    ssize_t n;
    do n = ::recv(fd_, shared_buffer.get(), read_chunk, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) return finish();  // the peer hung up, or the socket failed
    on_bytes(shared_buffer.get(), static_cast<size_t>(n));
    if (finished_ || static_cast<size_t>(n) < read_chunk) return;
  }
  ReadPoller::of(executor_).again(*this);
}

// Whole frames (nearly all) go through the thread's parser; the connection keeps a parser of its own only
// while something is incomplete (a partial frame, a fragmented message) or the stream has failed.
void WsCore::on_bytes(const uint8_t* data, size_t size) {
  thread_local ws::FrameParser thread_parser(0);
  thread_local bool thread_parser_busy = false;  // on_bytes of another connection below this one's (never seen)
  std::unique_ptr<ws::FrameParser> own = cold_ ? std::move(cold_->parser) : nullptr;
  const bool borrowed = !own && !thread_parser_busy;
  if (!own && !borrowed) own = std::make_unique<ws::FrameParser>(max_message_bytes_);
  ws::FrameParser& parser = borrowed ? thread_parser : *own;
  if (borrowed) {
    thread_parser.set_max_message_bytes(max_message_bytes_);
    thread_parser_busy = true;
  }
  ws::Message message;
  while (size > 0 && !finished_) {
    auto outcome = parser.parse(data, size, message);
    data += outcome.consumed;
    size -= outcome.consumed;
    if (outcome.status == ws::FrameParser::Status::need_more) break;
    if (outcome.status == ws::FrameParser::Status::error) {
      core::metrics().protocol_errors.fetch_add(1, std::memory_order_relaxed);
      close_ws(outcome.close_code, outcome.reason);
      break;
    }
    on_message(message);
  }
  if (borrowed) {
    thread_parser_busy = false;
    if (!thread_parser.idle()) {  // keep what is incomplete (or the failure) with this connection
      own = std::make_unique<ws::FrameParser>(std::move(thread_parser));
      thread_parser = ws::FrameParser(0);
    }
  }
  if (own && !own->idle()) {
    if (!cold_) cold_ = std::make_unique<Cold>();
    cold_->parser = std::move(own);
  } else if (cold_ && !cold_->close_timer) {
    cold_.reset();
  }
}

void WsCore::on_message(ws::Message& message) {
  switch (message.opcode) {
    case ws::Opcode::text:
      if (!closing_) on_text(message.payload);
      return;
    case ws::Opcode::binary:
      if (!closing_) on_binary(message.payload);
      return;
    case ws::Opcode::ping:
      if (!closing_) queue_control(ws::encode_frame(ws::Opcode::pong, message.payload));
      return;
    case ws::Opcode::pong:
      return on_pong();
    case ws::Opcode::close: {
      if (!closing_) {
        auto [code, reason] = ws::decode_close(message.payload);
        close_ws(code == ws::close_code::no_status ? ws::close_code::normal : code);
      }
      // The peer hangs up once it has our close frame; the read then ends and finish() runs.
      return;
    }
    case ws::Opcode::continuation:
      return;  // the parser never yields one
  }
}

// The limit is checked before anything is queued: past it the queue is dropped (all but a partly written
// frame) and the connection closes with 4008; the client resumes with `since`.
bool WsCore::admit(size_t bytes) {
  if (closing_) return false;
  if (writer_.queue().bytes() + bytes <= send_queue_bytes_) {
    core::metrics().messages_out.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  core::metrics().slow_clients_dropped.fetch_add(1, std::memory_order_relaxed);
  writer_.queue().clear_pending();
  close_ws(ws::close_code::too_slow, "too slow a reader");
  return false;
}

bool WsCore::queue_frame(std::string frame) {
  if (!admit(frame.size())) return false;
  writer_.queue().push(std::move(frame));
  schedule_flush(SocketWriter::Priority::reply);
  return true;
}

bool WsCore::queue_delivery(const chat::DeliveryPtr& delivery) {
  const std::string& frame = delivery_frame(*delivery);
  if (!admit(frame.size())) return false;
  writer_.queue().push(delivery, frame);
  schedule_flush(SocketWriter::Priority::fan_out);
  return true;
}

void WsCore::queue_control(std::string frame) {
  if (finished_) return;
  writer_.queue().push(std::move(frame));
  schedule_flush(SocketWriter::Priority::reply);
}

// Batches: everything queued until this connection's turn goes out in one gather write (see FlushService).
void WsCore::schedule_flush(SocketWriter::Priority priority) {
  if (finished_) return;
  writer_.schedule(executor_, priority, [this] { return core_ptr(); });
}

void WsCore::flush() {
  if (finished_) return;
  auto written = writer_.write(fd_);
  if (written == SocketWriter::Written::not_now) return;
  if (written == SocketWriter::Written::failed) return finish();
  // Written::waiting: the poller says when the socket takes more (on_poll_ready flushes again).
  on_written();
  if (written == SocketWriter::Written::all && closing_) {
    // Our close frame is out: stop sending, and give the peer a moment to answer before we hang up.
    ::shutdown(fd_, SHUT_WR);
  }
}

void WsCore::close_ws(uint16_t code, std::string_view reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  ExpiryService::of(executor_).remove(*this);
  queue_control(ws::encode_close(code, reason));
  if (!cold_) cold_ = std::make_unique<Cold>();
  cold_->close_timer = std::make_unique<asio::steady_timer>(executor_, close_grace);
  cold_->close_timer->async_wait([self = core_ptr(), this](boost::system::error_code ec) {
    if (!ec) finish();
  });
  notify_closing();
}

void WsCore::notify_closing() {
  if (std::exchange(closing_told_, true)) return;
  on_closing();
}

void WsCore::finish() {
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  ExpiryService::of(executor_).remove(*this);
  if (cold_ && cold_->close_timer) cold_->close_timer->cancel();
  if (fd_ >= 0) {
    ReadPoller::of(executor_).remove(*this, fd_);
    ::close(fd_);
    fd_ = -1;
  }
  notify_closing();
  on_finished();
}

void WsCore::send_ping() { queue_control(ws::encode_frame(ws::Opcode::ping, {})); }

void WsCore::set_deadline(int64_t at_ms) {
  deadline_ms_ = at_ms;
  if (!closing_) wait_until(heartbeat_at_ms_);  // the heartbeat's step stays where it was
}

void WsCore::start_heartbeat() {
  const Heartbeat& settings = heartbeat();
  beat_ = settings.interval_ms > 0 ? Beat::waiting : Beat::off;
  if (closing_) return;
  wait_until(beat_ == Beat::off ? never : core::now_ms() + settings.interval_ms);
}

void WsCore::heartbeat_answered() {
  if (beat_ == Beat::awaiting_pong) beat_ = Beat::answered;
}

void WsCore::wait_until(int64_t heartbeat_at_ms) {
  heartbeat_at_ms_ = heartbeat_at_ms;
  const int64_t at = std::min(deadline_ms_, heartbeat_at_ms);
  auto& expiry = ExpiryService::of(executor_);
  if (at == never) return expiry.remove(*this);
  expiry.add(executor_, *this, at);
}

// One entry serves both: it is the earlier of the codec's deadline and the heartbeat's next step, so a call
// before the deadline is the heartbeat's. Every new deadline lies in the future.
void WsCore::on_expired() {
  if (closing_ || finished_) return;
  const int64_t now = core::now_ms();
  if (now >= deadline_ms_) return on_deadline();
  const int64_t interval = heartbeat().interval_ms;
  const int64_t timeout = heartbeat().timeout_ms;
  switch (beat_) {
    case Beat::off:
      return wait_until(never);
    case Beat::awaiting_pong:
      return on_heartbeat_lost();
    case Beat::answered:
      // Called at the ping's time + timeout: the next ping is due at the ping's time + interval.
      if (interval > timeout) {
        beat_ = Beat::waiting;
        return wait_until(now + (interval - timeout));
      }
      [[fallthrough]];
    case Beat::waiting:
      send_ping();
      if (closing_) return;
      beat_ = Beat::awaiting_pong;
      return wait_until(now + timeout);
  }
}

}  // namespace parley::net

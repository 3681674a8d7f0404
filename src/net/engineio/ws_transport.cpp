#include "net/engineio/ws_transport.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "core/metrics.hpp"

namespace parley::net::engineio {

namespace asio = boost::asio;
namespace ws = protocol::ws;

namespace {
constexpr size_t read_chunk = 4096;
constexpr auto close_grace = std::chrono::seconds(2);
const std::string& socketio_frame_of(const chat::Delivery& d) { return d.socketio_ws_frame; }
}  // namespace

WsTransport::WsTransport(asio::ip::tcp::socket socket, size_t max_message_bytes)
    : socket_(std::move(socket)),
      parser_(max_message_bytes),
      writer_(socket_.get_executor(), &socketio_frame_of),
      close_timer_(socket_.get_executor()) {}

void WsTransport::start(std::string initial, std::shared_ptr<Listener> listener) {
  listener_ = std::move(listener);
  boost::system::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);  // writes are tried at once and never block
  if (!initial.empty()) on_bytes(reinterpret_cast<const uint8_t*>(initial.data()), initial.size());
  read();
}

void WsTransport::read() {
  if (finished_) return;
  if (!read_buffer_) read_buffer_ = std::make_unique<uint8_t[]>(read_chunk);
  socket_.async_read_some(asio::buffer(read_buffer_.get(), read_chunk),
                          [self = shared_from_this(), this](boost::system::error_code ec, size_t n) {
                            if (ec) return finish();
                            on_bytes(read_buffer_.get(), n);
                            read();
                          });
}

void WsTransport::on_bytes(const uint8_t* data, size_t size) {
  ws::Message message;
  while (size > 0 && !finished_) {
    auto outcome = parser_.parse(data, size, message);
    data += outcome.consumed;
    size -= outcome.consumed;
    if (outcome.status == ws::FrameParser::Status::need_more) return;
    if (outcome.status == ws::FrameParser::Status::error) {
      core::metrics().protocol_errors.fetch_add(1, std::memory_order_relaxed);
      return close(outcome.close_code, outcome.reason);
    }
    switch (message.opcode) {
      case ws::Opcode::ping:
        if (!closing_) {
          writer_.queue().push(ws::encode_frame(ws::Opcode::pong, message.payload));
          schedule_flush(SocketWriter::Priority::reply);
        }
        break;
      case ws::Opcode::pong:
      case ws::Opcode::continuation:
        break;
      case ws::Opcode::close: {
        auto [code, reason] = ws::decode_close(message.payload);
        close(code == ws::close_code::no_status ? ws::close_code::normal : code);
        break;
      }
      case ws::Opcode::text:
      case ws::Opcode::binary:
        if (!closing_ && listener_) listener_->on_ws_message(*this, message);
        break;
    }
  }
}

void WsTransport::send_delivery(const chat::DeliveryPtr& delivery) {
  if (closing_ || finished_) return;
  writer_.queue().push(delivery);
  schedule_flush(SocketWriter::Priority::fan_out);
}

void WsTransport::send_text(std::string_view payload) {
  if (closing_ || finished_) return;
  writer_.queue().push(ws::encode_frame(ws::Opcode::text, payload));
  schedule_flush(SocketWriter::Priority::reply);
}

void WsTransport::send_binary(std::string_view payload) {
  if (closing_ || finished_) return;
  writer_.queue().push(ws::encode_frame(ws::Opcode::binary, payload));
  schedule_flush(SocketWriter::Priority::reply);
}

void WsTransport::schedule_flush(SocketWriter::Priority priority) {
  if (finished_) return;
  writer_.schedule(socket_.get_executor(), priority, [this] { return shared_from_this(); });
}

void WsTransport::flush() {
  if (finished_) return;
  auto written = writer_.write(socket_, [self = shared_from_this(), this](boost::system::error_code ec) {
    if (finished_) return;
    if (ec) return finish();
    flush();
  });
  if (written == SocketWriter::Written::not_now) return;
  if (written == SocketWriter::Written::failed) return finish();
  if (listener_ && !closing_) listener_->on_ws_written(*this);
  if (written == SocketWriter::Written::all && closing_) {
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }
}

void WsTransport::close(uint16_t code, std::string_view reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  writer_.queue().push(ws::encode_close(code, reason));
  schedule_flush(SocketWriter::Priority::reply);
  close_timer_.expires_after(close_grace);
  close_timer_.async_wait([self = shared_from_this(), this](boost::system::error_code ec) {
    if (!ec) finish();
  });
  // The session learns at once: it must not wait for the peer's answer to stop using this transport.
  if (auto l = std::move(listener_)) l->on_ws_closed(*this);
}

void WsTransport::finish() {
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  close_timer_.cancel();
  boost::system::error_code ec;
  socket_.close(ec);
  if (auto l = std::move(listener_)) l->on_ws_closed(*this);
}

}  // namespace parley::net::engineio

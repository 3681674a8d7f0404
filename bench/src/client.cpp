#include "client.hpp"

#include <netinet/in.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <cstring>

namespace bench {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr size_t read_chunk = 4096;  // grows (doubling) when a read fills it

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Parses the unsigned integer at the start of s; returns its value and how many characters it used.
std::pair<uint64_t, size_t> leading_number(std::string_view s) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return {v, ec == std::errc() ? size_t(ptr - s.data()) : 0};
}
}  // namespace

Target parse_url(std::string_view url) {
  if (auto p = url.find("://"); p != std::string_view::npos) url.remove_prefix(p + 3);
  if (auto p = url.find('/'); p != std::string_view::npos) url = url.substr(0, p);
  Target t;
  auto colon = url.rfind(':');
  t.host = std::string(url.substr(0, colon));
  t.port = colon == std::string_view::npos ? 80 : static_cast<uint16_t>(leading_number(url.substr(colon + 1)).first);
  return t;
}

Conn::Conn(asio::io_context& io, Proto proto, Target target, std::optional<asio::ip::address> source,
           std::string token, Handler& handler, size_t index)
    : socket_(io), post_socket_(io), proto_(proto), target_(std::move(target)), source_(source), token_(std::move(token)),
      handler_(handler), index_(index) {}

template <class Then>
void Conn::connect(tcp::socket& socket, Then then) {
  boost::system::error_code ec;
  tcp::endpoint server(asio::ip::make_address(target_.host, ec), target_.port);
  if (ec) return fail("bad server address");
  socket.open(tcp::v4(), ec);
  if (ec) return fail("socket: " + ec.message());
  if (source_) {
    // Let connect() pick the port per 4-tuple, so each source address gets the whole ephemeral range.
    int one = 1;
    ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    socket.bind(tcp::endpoint(*source_, 0), ec);
    if (ec) return fail("bind: " + ec.message());
  }
  socket.async_connect(server, [self = shared_from_this(), this, &socket, then = std::move(then)](boost::system::error_code ec) mutable {
    if (ec) return fail("connect: " + ec.message());
    socket.set_option(tcp::no_delay(true), ec);
    then();
  });
}

void Conn::start() {
  if (proto_ == Proto::polling) return connect(socket_, [this] { poll_get(); });
  connect(socket_, [self = shared_from_this(), this] {
    std::string path = proto_ == Proto::native ? "/ws?token=" + token_ : "/socket.io/?EIO=4&transport=websocket";
    auto req = std::make_shared<std::string>(
        "GET " + path + " HTTP/1.1\r\nHost: " + target_.host + ":" + std::to_string(target_.port) +
        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n");
    asio::async_write(socket_, asio::buffer(*req), [self, this, req](boost::system::error_code ec, size_t) {
      if (ec) return fail("upgrade write: " + ec.message());
      read_upgrade();
    });
  });
}

std::string Conn::poll_path() const {
  return "/socket.io/?EIO=4&transport=polling" + (sid_.empty() ? std::string() : "&sid=" + sid_);
}

template <class Done>
void Conn::read_response(tcp::socket& socket, asio::streambuf& buf, Done done) {
  asio::async_read_until(socket, buf, "\r\n\r\n", [self = shared_from_this(), this, &socket, &buf, done = std::move(done)](
                                                        boost::system::error_code ec, size_t head) mutable {
    if (closed_) return;
    if (ec) return fail("poll read: " + ec.message());
    std::string_view all(static_cast<const char*>(buf.data().data()), buf.size());
    std::string_view headers = all.substr(0, head);
    unsigned status = unsigned(leading_number(headers.substr(9)).first);
    size_t length = 0;
    for (std::string_view name : {"Content-Length: ", "content-length: "})
      if (auto p = headers.find(name); p != std::string_view::npos) length = leading_number(headers.substr(p + name.size())).first;
    size_t have = buf.size() - head;
    auto deliver = [self, this, &buf, head, length, status, done = std::move(done)]() mutable {
      std::string body(static_cast<const char*>(buf.data().data()) + head, length);
      buf.consume(head + length);
      done(status, body);
    };
    if (have >= length) return deliver();
    asio::async_read(socket, buf, asio::transfer_exactly(length - have),
                     [this, deliver = std::move(deliver)](boost::system::error_code ec, size_t) mutable {
                       if (closed_) return;
                       if (ec) return fail("poll read: " + ec.message());
                       deliver();
                     });
  });
}

// One GET of the session; its answer's packets go to on_text, then the next GET waits.
void Conn::poll_get() {
  auto req = std::make_shared<std::string>("GET " + poll_path() + " HTTP/1.1\r\nHost: " + target_.host + "\r\n\r\n");
  asio::async_write(socket_, asio::buffer(*req), [self = shared_from_this(), this, req](boost::system::error_code ec, size_t) {
    if (closed_) return;
    if (ec) return fail("poll write: " + ec.message());
    read_response(socket_, upgrade_buf_, [this](unsigned status, std::string_view body) {
      if (status != 200) return fail("poll: HTTP " + std::to_string(status) + " " + std::string(body));
      on_poll_body(body);
      if (!closed_) poll_get();
    });
  });
}

void Conn::on_poll_body(std::string_view body) {
  while (!body.empty() && !closed_) {
    auto end = body.find('\x1e');
    std::string_view packet = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    if (sid_.empty() && starts_with(packet, "0{")) {
      auto p = packet.find("\"sid\":\"");
      if (p == std::string_view::npos) return fail("no sid in the handshake");
      auto rest = packet.substr(p + 7);
      sid_ = std::string(rest.substr(0, rest.find('"')));
    }
    if (packet == "1") {  // Engine.IO close
      closed_ = true;
      return handler_.on_closed(*this);
    }
    on_text(packet);
  }
}

// POSTs what is queued, one request at a time, on a socket opened for it and closed once nothing is left, so
// an idle session holds only its waiting GET.
void Conn::post_flush() {
  if (!posting_.empty() || post_out_.empty() || closed_) return;
  posting_.swap(post_out_);
  auto send = [this] {
    auto req = std::make_shared<std::string>("POST " + poll_path() + " HTTP/1.1\r\nHost: " + target_.host +
                                             "\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: " +
                                             std::to_string(posting_.size()) + "\r\n\r\n" + posting_);
    asio::async_write(post_socket_, asio::buffer(*req), [self = shared_from_this(), this, req](boost::system::error_code ec, size_t) {
      if (closed_) return;
      if (ec) return fail("post write: " + ec.message());
      read_response(post_socket_, post_buf_, [this](unsigned status, std::string_view body) {
        if (status != 200) return fail("post: HTTP " + std::to_string(status) + " " + std::string(body));
        posting_.clear();
        if (post_out_.empty()) {
          boost::system::error_code ignored;
          post_socket_.close(ignored);
          return;
        }
        post_flush();
      });
    });
  };
  if (post_socket_.is_open()) return send();
  connect(post_socket_, std::move(send));
}

void Conn::read_upgrade() {
  asio::async_read_until(socket_, upgrade_buf_, "\r\n\r\n",
                         [self = shared_from_this(), this](boost::system::error_code ec, size_t n) {
                           if (ec) return fail("upgrade read: " + ec.message());
                           std::string_view all(static_cast<const char*>(upgrade_buf_.data().data()),
                                                upgrade_buf_.size());
                           if (!starts_with(all, "HTTP/1.1 101")) return fail(all.substr(0, all.find('\r')));
                           rbuf_.resize(read_chunk);
                           std::string_view rest = all.substr(n);
                           if (rest.size() > rbuf_.size()) rbuf_.resize(rest.size() * 2);
                           std::memcpy(rbuf_.data(), rest.data(), rest.size());
                           have_ = rest.size();
                           upgrade_buf_.consume(upgrade_buf_.size());
                           if (proto_ == Proto::native) {
                             ready_ = true;
                             handler_.on_ready(*this);
                           }
                           read_frames();
                         });
}

void Conn::read_frames() {
  // Parse what is buffered first (bytes may have come with the upgrade response).
  size_t off = 0;
  while (!closed_) {
    ws::Parser::Frame frame;
    bool has = false;
    size_t used = parser_.parse(rbuf_.data() + off, have_ - off, frame, has);
    if (used == SIZE_MAX) return fail("bad frame");
    if (used == 0) break;
    off += used;
    if (has) on_frame(frame.opcode, frame.payload);
  }
  if (closed_) return;
  if (off > 0) {
    std::memmove(rbuf_.data(), rbuf_.data() + off, have_ - off);
    have_ -= off;
  }
  if (have_ == rbuf_.size()) rbuf_.resize(rbuf_.size() * 2);
  socket_.async_read_some(asio::buffer(rbuf_.data() + have_, rbuf_.size() - have_),
                          [self = shared_from_this(), this](boost::system::error_code ec, size_t n) {
                            if (closed_) return;
                            if (ec) {
                              if (!ready_) return fail("read: " + ec.message());
                              closed_ = true;
                              return handler_.on_closed(*this);
                            }
                            have_ += n;
                            read_frames();
                          });
}

void Conn::on_frame(uint8_t opcode, std::string_view payload) {
  switch (opcode) {
    case ws::op_text:
      return on_text(payload);
    case ws::op_ping:
      ws::append_frame(out_, ws::op_pong, payload);
      return flush();
    case ws::op_close:
      if (!ready_) return fail("closed by the server");
      closed_ = true;
      socket_.close();
      return handler_.on_closed(*this);
    default:
      return;
  }
}

void Conn::on_text(std::string_view p) {
  if (proto_ == Proto::native) {
    if (starts_with(p, "{\"event\":\"")) {
      std::string_view rest = p.substr(10);
      return handler_.on_push(*this, rest.substr(0, rest.find('"')), p);
    }
    if (starts_with(p, "{\"id\":")) {
      auto [id, used] = leading_number(p.substr(6));
      return handler_.on_reply(*this, id, starts_with(p.substr(6 + used), ",\"ok\":true"), p);
    }
    return;
  }
  // Engine.IO: 0 open, 2 ping, 4 message (Socket.IO packet follows).
  if (p.empty()) return;
  if (p[0] == '2') return send_raw_text("3");
  if (p[0] == '0') return send_raw_text("40{\"token\":\"" + token_ + "\"}");
  if (p[0] != '4' || p.size() < 2) return;
  std::string_view packet = p.substr(2);
  switch (p[1]) {
    case '0':
      if (!ready_) {
        ready_ = true;
        handler_.on_ready(*this);
      }
      return;
    case '4':
      return fail(p);
    case '1':
      closed_ = true;
      socket_.close();
      return handler_.on_closed(*this);
    case '2':
      if (starts_with(packet, "[\"")) {
        std::string_view rest = packet.substr(2);
        return handler_.on_push(*this, rest.substr(0, rest.find('"')), p);
      }
      return;
    case '3': {
      auto [id, used] = leading_number(packet);
      return handler_.on_reply(*this, id, starts_with(packet.substr(used), "[{\"ok\":true"), p);
    }
    default:
      return;
  }
}

uint64_t Conn::request(std::string_view event, std::string_view data_json) {
  uint64_t id = next_id_++;
  std::string msg;
  msg.reserve(event.size() + data_json.size() + 40);
  if (proto_ == Proto::native) {
    msg += "{\"event\":\"";
    msg += event;
    msg += "\",\"data\":";
    msg += data_json;
    msg += ",\"id\":";
    msg += std::to_string(id);
    msg += '}';
  } else {
    msg += "42";
    msg += std::to_string(id);
    msg += "[\"";
    msg += event;
    msg += "\",";
    msg += data_json;
    msg += ']';
  }
  send_raw_text(msg);
  return id;
}

void Conn::send_raw_text(std::string_view payload) {
  if (closed_) return;
  if (proto_ == Proto::polling) {
    if (!post_out_.empty()) post_out_ += '\x1e';
    post_out_ += payload;
    return post_flush();
  }
  ws::append_frame(out_, ws::op_text, payload);
  flush();
}

void Conn::flush() {
  if (!writing_.empty() || out_.empty() || closed_) return;
  writing_.swap(out_);
  asio::async_write(socket_, asio::buffer(writing_), [self = shared_from_this(), this](boost::system::error_code ec, size_t) {
    writing_.clear();
    if (ec || closed_) return;
    flush();
  });
}

void Conn::fail(std::string_view why) {
  if (failed_ || closed_) return;
  failed_ = true;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  post_socket_.close(ignored);
  if (ready_) return handler_.on_closed(*this);
  handler_.on_failed(*this, why);
}

void Conn::close() {
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  post_socket_.close(ignored);
}

}  // namespace bench

#pragma once
// Conn: one bench connection speaking the native protocol, Socket.IO over Engine.IO v4's websocket transport,
// or Socket.IO over long-polling (a GET always waiting on one socket, POSTs on a second one, closed when idle). It connects from an optional loopback source address, upgrades, authenticates, then
// reads frames and hands replies and pushes to its Handler without parsing JSON on the hot path.
// Thread safety: a Conn lives on one io_context (one thread); call it and receive callbacks there only.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/streambuf.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ws_codec.hpp"

namespace bench {

enum class Proto { native, socketio, polling };

struct Target {
  std::string host;
  uint16_t port = 0;
};

// Parses "http://host:port" (or "ws://…", or "host:port").
Target parse_url(std::string_view url);

class Conn;

// What a scenario hears from its connections; called on the connection's thread.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void on_ready(Conn& c) = 0;                              // upgraded and authenticated
  virtual void on_failed(Conn& c, std::string_view why) = 0;       // before ready
  virtual void on_reply(Conn& c, uint64_t id, bool ok, std::string_view frame) = 0;
  virtual void on_push(Conn& c, std::string_view event, std::string_view frame) = 0;
  virtual void on_closed(Conn& c) = 0;                             // after ready
};

class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(boost::asio::io_context& io, Proto proto, Target target, std::optional<boost::asio::ip::address> source,
       std::string token, Handler& handler, size_t index);

  // Connects, upgrades and authenticates; ends in on_ready or on_failed.
  void start();
  // Sends an event with an ack id; returns the id (its reply comes to on_reply).
  uint64_t request(std::string_view event, std::string_view data_json);
  // Closes the socket; no callbacks follow.
  void close();

  size_t index() const { return index_; }
  bool is_ready() const { return ready_; }

 private:
  void fail(std::string_view why);
  void read_upgrade();
  void read_frames();
  void on_frame(uint8_t opcode, std::string_view payload);
  void on_text(std::string_view payload);
  void send_raw_text(std::string_view payload);
  void flush();
  // Long-polling: opens `socket` from the source address and connects it, then calls `then`.
  template <class Then>
  void connect(boost::asio::ip::tcp::socket& socket, Then then);
  // Long-polling: reads one HTTP response (Content-Length bodies only) and calls `done(status, body)`.
  template <class Done>
  void read_response(boost::asio::ip::tcp::socket& socket, boost::asio::streambuf& buf, Done done);
  void poll_get();
  void on_poll_body(std::string_view body);
  void post_flush();
  std::string poll_path() const;

  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::socket post_socket_;  // polling: POSTs
  boost::asio::streambuf post_buf_;
  std::string sid_, post_out_, posting_;     // polling: session id, packets to POST, the POST in flight
  Proto proto_;
  Target target_;
  std::optional<boost::asio::ip::address> source_;
  std::string token_;
  Handler& handler_;
  size_t index_;
  boost::asio::streambuf upgrade_buf_;
  std::vector<uint8_t> rbuf_;
  size_t have_ = 0;
  ws::Parser parser_;
  std::string out_, writing_;
  uint64_t next_id_ = 1;
  bool ready_ = false, closed_ = false, failed_ = false;
};

}  // namespace bench

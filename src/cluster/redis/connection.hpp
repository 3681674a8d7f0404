#pragma once
// Connection: one connection to one Redis server on an Asio io_context. It speaks RESP through hiredis's
// parser (redisReader) and command encoder, and does its own non-blocking I/O on the io_context (why not
// hiredis's async API: hiredis 0.14, Debian's, does not know sharded pub/sub and asserts on `smessage`).
// With an Access it speaks TLS (verifying the server's certificate and name) and authenticates (AUTH) on every
// connect; it counts as up only once the server has answered a PING after that, so a server that refuses it
// (a wrong password, NOAUTH, a failed TLS handshake) leaves it down, retrying with backoff, and the reason is
// noted in the Access's Refusals (as are NOAUTH / NOPERM / WRONGPASS answers to later commands).
// It reconnects by itself with backoff (100 ms doubling to 2 s) and never blocks: while it is down every
// command fails at once (reply nullptr), and a command not answered within the command timeout drops the
// connection (all pending commands fail) so a hung server cannot stall its callers.
// Replies go to the command's callback in order; pub/sub traffic (message, smessage, and the confirmations of
// commands sent with subscribe_command) goes to on_push.
// Thread safety: every method, and every callback it makes, runs on the io_context's thread. Construct,
// start and stop it there too (post to it); destroy it there with retire(), or elsewhere once stopped.
#include <hiredis/hiredis.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/redis/access.hpp"

namespace parley::cluster::redis {

// Parses redis://[USER:PASSWORD@]HOST[:PORT][/...] (or rediss://); empty on a malformed URL. The server only:
// parse_broker_url (access.hpp) has the rest.
std::optional<Endpoint> parse_redis_url(const std::string& url);

// The string of a reply (status, string, error), or "" for other kinds.
std::string reply_string(const redisReply* reply);

class Connection {
 public:
  // The reply of one command; nullptr when the connection is down, failed or timed out.
  using ReplyFn = std::function<void(redisReply* reply)>;

  // `access` null: plain TCP, no AUTH.
  Connection(boost::asio::io_context& io, Endpoint endpoint, std::string name,
             std::shared_ptr<const Access> access = nullptr);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Called after each successful (re)connect, and after each loss of the connection.
  std::function<void()> on_up;
  std::function<void()> on_down;
  // Pub/sub traffic: ["message"|"smessage", channel, payload], subscribe confirmations, ...
  std::function<void(redisReply* reply)> on_push;

  // Starts connecting; reconnects on every loss until stop().
  void start();
  // Disconnects for good; pending commands fail.
  void stop();
  bool connected() const { return connected_; }
  const Endpoint& endpoint() const { return endpoint_; }
  boost::asio::io_context& io_context() { return io_; }

  // Sends a command (binary-safe arguments); `done` (may be empty) gets its reply.
  void command(const std::vector<std::string>& args, ReplyFn done);
  // Sends (S)SUBSCRIBE / (S)UNSUBSCRIBE, whose answers go to on_push. False while down.
  bool subscribe_command(const std::vector<std::string>& args);

 private:
  void connect();
  void on_connected();
  void handshake();
  void refused(const std::string& why);
  void note_refusal(const redisReply* reply);
  void enqueue(const std::vector<std::string>& args, ReplyFn done);
  // Runs f(stream, keep) on the TCP socket or the TLS stream; `keep` holds the TLS stream alive in handlers.
  template <class F>
  void with_stream(F&& f);
  void read();
  void dispatch(redisReply* reply);
  void send(const std::vector<std::string>& args);
  void flush();
  void lost(const char* why);
  void schedule_reconnect();
  void watchdog();

  struct Pending {
    ReplyFn done;
    std::chrono::steady_clock::time_point sent;
  };

  boost::asio::io_context& io_;
  Endpoint endpoint_;
  std::string name_;
  boost::asio::ip::tcp::resolver resolver_;
  std::shared_ptr<const Access> access_;
  std::optional<boost::asio::ip::tcp::socket> socket_;
  std::shared_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_;
  bool linked_ = false;       // the socket (and TLS) is up: bytes may be written (the handshake's commands)
  std::string last_logged_;   // the last refusal logged, so a retry loop logs it once
  std::unique_ptr<redisReader, void (*)(redisReader*)> reader_;
  std::vector<char> read_buffer_;
  std::string out_, writing_;  // queued bytes, bytes being written
  std::deque<Pending> pending_;
  bool connected_ = false;    // linked, authenticated and answering: commands may be sent
  bool stopped_ = true;
  uint64_t generation_ = 0;  // bumped on every connect and loss: stale completions compare and stop
  std::chrono::milliseconds backoff_{100};
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer watchdog_timer_;
};

// Stops a connection that may be in the middle of one of its own callbacks, and frees it once nothing
// refers to it any more (on its io_context's thread).
void retire(std::unique_ptr<Connection> connection);

}  // namespace parley::cluster::redis

#pragma once
// Connection: one hiredis async connection on an Asio io_context, that reconnects by itself with backoff
// (100 ms doubling to 2 s) and never blocks: while it is down every command fails at once (reply nullptr),
// and a command not answered within the command timeout drops the connection (all pending commands fail)
// so a hung server cannot stall its callers.
// Thread safety: every method, and every callback it makes, runs on the io_context's thread. Construct,
// start and stop it there too (post to it).
#include <hiredis/async.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace parley::cluster::redis {

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
};

// Parses redis://HOST[:PORT][/...]; empty on a malformed URL.
std::optional<Endpoint> parse_redis_url(const std::string& url);

// The string of a reply (status, string, error), or "" for other kinds.
std::string reply_string(const redisReply* reply);

class Connection {
 public:
  // The reply of one command; nullptr when the connection is down, failed or timed out.
  using ReplyFn = std::function<void(redisReply* reply)>;

  Connection(boost::asio::io_context& io, Endpoint endpoint, std::string name);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Called after each successful (re)connect, and after each loss of the connection.
  std::function<void()> on_up;
  std::function<void()> on_down;
  // Every reply of a subscribe_command() channel (["message", channel, payload], confirmations, ...).
  std::function<void(redisReply* reply)> on_push;

  // Starts connecting; reconnects on every loss until stop().
  void start();
  // Disconnects for good; pending commands fail.
  void stop();
  bool connected() const { return connected_; }

  // Sends a command (binary-safe arguments); `done` (may be empty) gets its reply.
  void command(const std::vector<std::string>& args, ReplyFn done);
  // Sends SUBSCRIBE / UNSUBSCRIBE; what arrives on the channels goes to on_push. False while down.
  bool subscribe_command(const std::vector<std::string>& args);

 private:
  static void on_connect_cb(const redisAsyncContext* ac, int status);
  static void on_disconnect_cb(const redisAsyncContext* ac, int status);
  static void on_reply_cb(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_push_cb(redisAsyncContext* ac, void* reply, void* privdata);
  void connect();
  void lost();
  void schedule_reconnect();
  void watchdog();

  boost::asio::io_context& io_;
  Endpoint endpoint_;
  std::string name_;
  redisAsyncContext* context_ = nullptr;
  bool connected_ = false;
  bool stopped_ = true;
  uint64_t generation_ = 0;
  std::chrono::milliseconds backoff_{100};
  std::deque<std::chrono::steady_clock::time_point> outstanding_;  // send time of each unanswered command
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer watchdog_timer_;
};

}  // namespace parley::cluster::redis

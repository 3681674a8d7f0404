#include "cluster/redis/connection.hpp"

#include "cluster/redis/runtime.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <charconv>

namespace parley::cluster::redis {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr auto connect_timeout = std::chrono::seconds(2);
constexpr auto command_timeout = std::chrono::seconds(2);
constexpr auto watchdog_period = std::chrono::milliseconds(250);
constexpr auto max_backoff = std::chrono::milliseconds(2000);
constexpr size_t read_chunk = 64 * 1024;

void free_reader(redisReader* r) {
  if (r) redisReaderFree(r);
}

// Pub/sub traffic that is never the answer to a command.
bool is_pubsub_message(const redisReply* r) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 || r->element[0]->type != REDIS_REPLY_STRING) return false;
  std::string_view kind(r->element[0]->str, r->element[0]->len);
  return kind == "message" || kind == "smessage" || kind == "pmessage";
}
}  // namespace

std::optional<Endpoint> parse_host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  int port = 0;
  auto [p, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), port);
  if (ec != std::errc() || p != text.data() + text.size() || port <= 0 || port > 65535) return std::nullopt;
  return Endpoint{std::string(text.substr(0, colon)), port};
}

std::optional<Endpoint> parse_redis_url(const std::string& url) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  if (auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  if (rest.find(':') == std::string::npos) return Endpoint{rest.empty() ? "127.0.0.1" : rest, 6379};
  return parse_host_port(rest);
}

std::string reply_string(const redisReply* r) {
  if (!r) return {};
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR)
    return std::string(r->str, r->len);
  return {};
}

Connection::Connection(asio::io_context& io, Endpoint endpoint, std::string name)
    : io_(io),
      endpoint_(std::move(endpoint)),
      name_(std::move(name)),
      resolver_(io),
      reader_(nullptr, free_reader),
      read_buffer_(read_chunk),
      reconnect_timer_(io),
      watchdog_timer_(io) {}

Connection::~Connection() {
  wait_for_queued_handlers(io_);  // handlers already queued still hold `this`
  stop();
}

void retire(std::unique_ptr<Connection> connection) {
  auto& io = connection->io_context();
  boost::asio::post(io, [&io, c = std::shared_ptr<Connection>(std::move(connection))] {
    c->stop();
    boost::asio::post(io, [c] {});  // freed after the handlers stop() aborted have run
  });
}

void Connection::start() {
  if (!stopped_) return;
  stopped_ = false;
  connect();
  watchdog();
}

void Connection::stop() {
  if (stopped_) return;
  stopped_ = true;
  reconnect_timer_.cancel();
  watchdog_timer_.cancel();
  lost(nullptr);
}

void Connection::connect() {
  if (stopped_) return;
  uint64_t gen = ++generation_;
  reconnect_timer_.expires_after(connect_timeout);  // a connect that hangs (an unreachable host) is abandoned
  reconnect_timer_.async_wait([this, gen](boost::system::error_code ec) {
    if (ec || gen != generation_ || connected_) return;
    spdlog::warn("redis {}: connect to {} timed out", name_, endpoint_.address());
    lost("connect timed out");
  });
  resolver_.async_resolve(endpoint_.host, std::to_string(endpoint_.port),
                          [this, gen](boost::system::error_code ec, tcp::resolver::results_type results) {
                            if (gen != generation_) return;
                            if (ec) return lost(nullptr);
                            socket_.emplace(io_);
                            asio::async_connect(*socket_, results,
                                                [this, gen](boost::system::error_code ec, const tcp::endpoint&) {
                                                  if (gen != generation_) return;
                                                  if (ec) return lost(nullptr);
                                                  on_connected();
                                                });
                          });
}

void Connection::on_connected() {
  reconnect_timer_.cancel();
  boost::system::error_code ignored;
  socket_->set_option(tcp::no_delay(true), ignored);
  reader_.reset(redisReaderCreate());
  connected_ = true;
  backoff_ = std::chrono::milliseconds(100);
  spdlog::info("redis {}: connected to {}", name_, endpoint_.address());
  read();
  if (on_up) on_up();
}

void Connection::read() {
  socket_->async_read_some(asio::buffer(read_buffer_), [this, gen = generation_](boost::system::error_code ec,
                                                                                 size_t n) {
    if (gen != generation_) return;
    if (ec) return lost(ec == asio::error::eof ? "closed by the server" : "read failed");
    if (redisReaderFeed(reader_.get(), read_buffer_.data(), n) != REDIS_OK) return lost("bad reply");
    for (;;) {
      void* reply = nullptr;
      if (redisReaderGetReply(reader_.get(), &reply) != REDIS_OK) return lost("bad reply");
      if (!reply) break;
      std::unique_ptr<redisReply, void (*)(void*)> owned(static_cast<redisReply*>(reply), freeReplyObject);
      dispatch(owned.get());
      if (gen != generation_) return;  // a callback stopped or dropped the connection
    }
    read();
  });
}

void Connection::dispatch(redisReply* reply) {
  if (is_pubsub_message(reply) || pending_.empty()) {
    if (on_push) on_push(reply);
    return;
  }
  ReplyFn done = std::move(pending_.front().done);
  pending_.pop_front();
  if (done) done(reply);
}

void Connection::send(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* formatted = nullptr;
  int len = redisFormatCommandArgv(&formatted, static_cast<int>(args.size()), argv.data(), lens.data());
  if (len > 0) out_.append(formatted, static_cast<size_t>(len));
  redisFreeCommand(formatted);
  flush();
}

// One write in flight; what is queued meanwhile goes out in the next write, all at once.
void Connection::flush() {
  if (!writing_.empty() || out_.empty() || !connected_) return;
  writing_.swap(out_);
  asio::async_write(*socket_, asio::buffer(writing_), [this, gen = generation_](boost::system::error_code ec, size_t) {
    if (gen != generation_) return;
    writing_.clear();
    if (ec) return lost("write failed");
    flush();
  });
}

void Connection::command(const std::vector<std::string>& args, ReplyFn done) {
  if (!connected_) {
    if (done) done(nullptr);
    return;
  }
  pending_.push_back({std::move(done), std::chrono::steady_clock::now()});
  send(args);
}

bool Connection::subscribe_command(const std::vector<std::string>& args) {
  if (!connected_) return false;
  send(args);
  return true;
}

// Drops the connection: every pending command fails (nullptr), on_down runs, and unless stopped a reconnect
// follows after the backoff. `why` (nullptr: quietly) is logged.
void Connection::lost(const char* why) {
  bool was = connected_;
  connected_ = false;
  ++generation_;
  resolver_.cancel();
  if (socket_) {
    boost::system::error_code ignored;
    socket_->close(ignored);
    socket_.reset();
  }
  out_.clear();
  writing_.clear();
  auto failed = std::move(pending_);
  pending_.clear();
  if (was && why) spdlog::warn("redis {}: connection to {} lost: {}", name_, endpoint_.address(), why);
  for (auto& p : failed)
    if (p.done) p.done(nullptr);
  if (was && on_down) on_down();
  schedule_reconnect();
}

void Connection::schedule_reconnect() {
  if (stopped_) return;
  uint64_t gen = generation_;
  reconnect_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, max_backoff);
  reconnect_timer_.async_wait([this, gen](boost::system::error_code ec) {
    if (ec || gen != generation_) return;
    connect();
  });
}

// A command unanswered past command_timeout means the server hangs: drop the connection, which fails every
// pending command and starts a reconnect.
void Connection::watchdog() {
  if (stopped_) return;
  watchdog_timer_.expires_after(watchdog_period);
  watchdog_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    if (connected_ && !pending_.empty() && std::chrono::steady_clock::now() - pending_.front().sent > command_timeout)
      lost("no reply within the command timeout");
    watchdog();
  });
}

}  // namespace parley::cluster::redis

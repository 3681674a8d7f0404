#include "cluster/redis/connection.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

#include "cluster/redis/asio_adapter.hpp"

namespace parley::cluster::redis {

namespace {
constexpr auto connect_timeout = std::chrono::seconds(2);
constexpr auto command_timeout = std::chrono::seconds(2);
constexpr auto watchdog_period = std::chrono::milliseconds(250);
constexpr auto max_backoff = std::chrono::milliseconds(2000);

// One command in flight with a reply function.
struct Call {
  Connection* connection;
  Connection::ReplyFn done;
};
}  // namespace

std::optional<Endpoint> parse_redis_url(const std::string& url) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  if (auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  Endpoint e;
  auto colon = rest.rfind(':');
  if (colon != std::string::npos) {
    int port = 0;
    auto [p, ec] = std::from_chars(rest.data() + colon + 1, rest.data() + rest.size(), port);
    if (ec != std::errc() || p != rest.data() + rest.size() || port <= 0 || port > 65535) return std::nullopt;
    e.port = port;
    rest.resize(colon);
  }
  if (!rest.empty()) e.host = rest;
  return e;
}

std::string reply_string(const redisReply* r) {
  if (!r) return {};
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR)
    return std::string(r->str, r->len);
  return {};
}

Connection::Connection(boost::asio::io_context& io, Endpoint endpoint, std::string name)
    : io_(io), endpoint_(std::move(endpoint)), name_(std::move(name)), reconnect_timer_(io), watchdog_timer_(io) {}

Connection::~Connection() { stop(); }

void Connection::start() {
  if (!stopped_) return;
  stopped_ = false;
  connect();
  watchdog();
}

void Connection::stop() {
  stopped_ = true;
  ++generation_;
  reconnect_timer_.cancel();
  watchdog_timer_.cancel();
  if (context_) {
    auto* c = context_;
    context_ = nullptr;
    connected_ = false;
    c->data = nullptr;  // the callbacks hiredis makes while freeing must not reach us
    redisAsyncFree(c);
  }
  outstanding_.clear();
}

void Connection::connect() {
  if (stopped_) return;
  redisAsyncContext* c = redisAsyncConnect(endpoint_.host.c_str(), endpoint_.port);
  if (!c) return schedule_reconnect();
  if (c->err) {
    spdlog::debug("redis {}: connect: {}", name_, c->errstr);
    redisAsyncFree(c);
    return schedule_reconnect();
  }
  c->data = this;
  attach_asio(c, io_);
  redisAsyncSetConnectCallback(c, &Connection::on_connect_cb);
  redisAsyncSetDisconnectCallback(c, &Connection::on_disconnect_cb);
  context_ = c;
  // A connect that hangs (an unreachable host) is abandoned after connect_timeout.
  uint64_t gen = ++generation_;
  reconnect_timer_.expires_after(connect_timeout);
  reconnect_timer_.async_wait([this, gen](boost::system::error_code ec) {
    if (ec || gen != generation_ || connected_ || !context_) return;
    spdlog::warn("redis {}: connect to {}:{} timed out", name_, endpoint_.host, endpoint_.port);
    auto* c = context_;
    context_ = nullptr;
    c->data = nullptr;
    redisAsyncFree(c);
    schedule_reconnect();
  });
}

void Connection::on_connect_cb(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<Connection*>(ac->data);
  if (!self) return;
  if (status != REDIS_OK) {
    // hiredis frees the context after this callback.
    spdlog::debug("redis {}: connect failed: {}", self->name_, ac->errstr ? ac->errstr : "");
    self->context_ = nullptr;
    ++self->generation_;
    self->schedule_reconnect();
    return;
  }
  ++self->generation_;  // cancels the connect timeout
  self->reconnect_timer_.cancel();
  self->connected_ = true;
  self->backoff_ = std::chrono::milliseconds(100);
  self->outstanding_.clear();
  spdlog::info("redis {}: connected to {}:{}", self->name_, self->endpoint_.host, self->endpoint_.port);
  if (self->on_up) self->on_up();
}

void Connection::on_disconnect_cb(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<Connection*>(ac->data);
  if (!self) return;
  spdlog::warn("redis {}: connection lost{}", self->name_, status == REDIS_OK ? "" : std::string(": ") + (ac->errstr ? ac->errstr : ""));
  self->context_ = nullptr;  // hiredis frees it after this callback
  self->lost();
}

void Connection::lost() {
  bool was = connected_;
  connected_ = false;
  outstanding_.clear();
  ++generation_;
  if (was && on_down) on_down();
  schedule_reconnect();
}

void Connection::schedule_reconnect() {
  if (stopped_) return;
  uint64_t gen = ++generation_;
  reconnect_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, max_backoff);
  reconnect_timer_.async_wait([this, gen](boost::system::error_code ec) {
    if (ec || gen != generation_) return;
    connect();
  });
}

// A command unanswered past command_timeout means the server hangs: drop the connection, which fails every
// pending command (hiredis calls their callbacks with no reply) and starts a reconnect.
void Connection::watchdog() {
  if (stopped_) return;
  watchdog_timer_.expires_after(watchdog_period);
  watchdog_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    if (connected_ && context_ && !outstanding_.empty() &&
        std::chrono::steady_clock::now() - outstanding_.front() > command_timeout) {
      spdlog::warn("redis {}: no reply for {} s, reconnecting", name_,
                   std::chrono::duration_cast<std::chrono::seconds>(command_timeout).count());
      auto* c = context_;
      context_ = nullptr;
      c->data = nullptr;
      redisAsyncFree(c);  // calls every pending callback with no reply
      lost();
    }
    watchdog();
  });
}

void Connection::on_reply_cb(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* call = static_cast<Call*>(privdata);
  auto* self = call->connection;
  if (ac->data && self && !self->outstanding_.empty()) self->outstanding_.pop_front();
  if (call->done) call->done(static_cast<redisReply*>(reply));
  delete call;
}

void Connection::on_push_cb(redisAsyncContext* ac, void* reply, void*) {
  auto* self = static_cast<Connection*>(ac->data);
  if (!self || !reply || !self->on_push) return;
  self->on_push(static_cast<redisReply*>(reply));
}

void Connection::command(const std::vector<std::string>& args, ReplyFn done) {
  if (!connected_ || !context_) {
    if (done) done(nullptr);
    return;
  }
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* call = new Call{this, std::move(done)};
  if (redisAsyncCommandArgv(context_, &Connection::on_reply_cb, call, static_cast<int>(args.size()), argv.data(),
                            lens.data()) != REDIS_OK) {
    auto fn = std::move(call->done);
    delete call;
    if (fn) fn(nullptr);
    return;
  }
  outstanding_.push_back(std::chrono::steady_clock::now());
}

bool Connection::subscribe_command(const std::vector<std::string>& args) {
  if (!connected_ || !context_) return false;
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return redisAsyncCommandArgv(context_, &Connection::on_push_cb, nullptr, static_cast<int>(args.size()),
                               argv.data(), lens.data()) == REDIS_OK;
}

}  // namespace parley::cluster::redis

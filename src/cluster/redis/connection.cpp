#include "cluster/redis/connection.hpp"

#include "cluster/redis/runtime.hpp"

#include <spdlog/spdlog.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
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

std::optional<Endpoint> parse_redis_url(const std::string& url) {
  auto parsed = parse_broker_url(url);
  if (!parsed || parsed->cluster) return std::nullopt;
  return parsed->endpoints.front();
}

std::string reply_string(const redisReply* r) {
  if (!r) return {};
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR)
    return std::string(r->str, r->len);
  return {};
}

Connection::Connection(asio::io_context& io, Endpoint endpoint, std::string name, std::shared_ptr<const Access> access)
    : io_(io),
      endpoint_(std::move(endpoint)),
      name_(std::move(name)),
      resolver_(io),
      access_(access ? std::move(access) : std::make_shared<const Access>()),
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

template <class F>
void Connection::with_stream(F&& f) {
  if (tls_) f(*tls_, tls_);
  else f(*socket_, tls_);
}

// TCP is up: TLS first when asked for, then the handshake's commands.
void Connection::on_connected() {
  boost::system::error_code ignored;
  socket_->set_option(tcp::no_delay(true), ignored);
  reader_.reset(redisReaderCreate());
  if (!access_->tls) {
    linked_ = true;
    read();
    return handshake();
  }
  tls_ = std::make_shared<asio::ssl::stream<tcp::socket>>(std::move(*socket_), *access_->tls);
  socket_.reset();
  // The certificate must name the host we dialled: an IP address as an IP SAN, a name as a DNS SAN (and SNI).
  SSL* ssl = tls_->native_handle();
  boost::system::error_code not_ip;
  asio::ip::make_address(endpoint_.host, not_ip);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (not_ip) {
    SSL_set_tlsext_host_name(ssl, endpoint_.host.c_str());
    X509_VERIFY_PARAM_set1_host(param, endpoint_.host.c_str(), 0);
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(param, endpoint_.host.c_str());
  }
  tls_->async_handshake(asio::ssl::stream_base::client, [this, gen = generation_, keep = tls_](
                                                              boost::system::error_code ec) {
    if (gen != generation_) return;
    if (ec) return refused("TLS handshake with " + endpoint_.address() + " failed: " + ec.message());
    linked_ = true;
    read();
    handshake();
  });
}

// AUTH (when the URL has credentials), then PING: the connection is up once the PING is answered, so a server
// that wants a password we lack (NOAUTH) or refuses ours (WRONGPASS) never counts as up.
void Connection::handshake() {
  if (access_->authenticates()) {
    std::vector<std::string> auth{"AUTH"};
    if (!access_->user.empty()) auth.push_back(access_->user);
    auth.push_back(access_->password);
    enqueue(auth, [this](redisReply* r) {
      if (r && r->type == REDIS_REPLY_ERROR)
        refused(endpoint_.address() + " refused AUTH" + (access_->user.empty() ? "" : " as " + access_->user) + ": " +
                reply_string(r));
    });
  }
  enqueue({"PING"}, [this, gen = generation_](redisReply* r) {
    if (gen != generation_ || !r) return;  // refused by AUTH already, or lost
    if (r->type == REDIS_REPLY_ERROR)
      return refused(endpoint_.address() + " refuses commands: " + reply_string(r) +
                     (access_->authenticates() ? "" : " (give the password in the URL: redis://USER:PASSWORD@HOST:PORT)"));
    reconnect_timer_.cancel();
    connected_ = true;
    backoff_ = std::chrono::milliseconds(100);
    if (!last_logged_.empty()) spdlog::info("redis {}: {} accepts us again", name_, endpoint_.address());
    last_logged_.clear();
    spdlog::info("redis {}: connected to {}{}", name_, endpoint_.address(), tls_ ? " (TLS)" : "");
    if (on_up) on_up();
  });
}

// The server refused us (AUTH, NOAUTH, TLS): note why for /readyz, log it once per cause, drop the link and
// retry with backoff (the operator may fix the ACL meanwhile).
void Connection::refused(const std::string& why) {
  access_->refusals->note(why);
  if (why != last_logged_) spdlog::error("redis {}: {}", name_, why);
  last_logged_ = why;
  lost(nullptr);
}

// A command refused for want of authentication or permission: the server is reachable but will not do what
// we need, which /readyz must show.
void Connection::note_refusal(const redisReply* r) {
  if (r->type != REDIS_REPLY_ERROR) return;
  std::string_view text(r->str, r->len);
  if (!text.starts_with("NOAUTH") && !text.starts_with("NOPERM") && !text.starts_with("WRONGPASS")) return;
  std::string why = endpoint_.address() + " refused a command: " + std::string(text);
  access_->refusals->note(why);
  if (why != last_logged_) spdlog::error("redis {}: {}", name_, why);
  last_logged_ = why;
}

void Connection::read() {
  with_stream([this](auto& stream, auto keep) {
  stream.async_read_some(asio::buffer(read_buffer_), [this, gen = generation_, keep](boost::system::error_code ec,
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
  });
}

void Connection::dispatch(redisReply* reply) {
  if (is_pubsub_message(reply) || pending_.empty()) {
    if (reply->type == REDIS_REPLY_ERROR) note_refusal(reply);  // e.g. SUBSCRIBE refused by the ACL
    if (on_push) on_push(reply);
    return;
  }
  note_refusal(reply);
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
  if (!writing_.empty() || out_.empty() || !linked_) return;
  writing_.swap(out_);
  with_stream([this](auto& stream, auto keep) {
    asio::async_write(stream, asio::buffer(writing_),
                      [this, gen = generation_, keep](boost::system::error_code ec, size_t) {
                        if (gen != generation_) return;
                        writing_.clear();
                        if (ec) return lost("write failed");
                        flush();
                      });
  });
}

void Connection::enqueue(const std::vector<std::string>& args, ReplyFn done) {
  pending_.push_back({std::move(done), std::chrono::steady_clock::now()});
  send(args);
}

void Connection::command(const std::vector<std::string>& args, ReplyFn done) {
  if (!connected_) {
    if (done) done(nullptr);
    return;
  }
  enqueue(args, std::move(done));
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
  linked_ = false;
  ++generation_;
  resolver_.cancel();
  boost::system::error_code ignored;
  if (socket_) {
    socket_->close(ignored);
    socket_.reset();
  }
  if (tls_) {  // handlers still running hold it (`keep`) until they have seen the abort
    tls_->lowest_layer().close(ignored);
    tls_.reset();
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

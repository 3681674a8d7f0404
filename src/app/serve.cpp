// `parley serve`: wires the layers together, serves until SIGTERM/SIGINT, then shuts down gracefully:
// stop accepting, close every connection with 1001, drain (bounded), flush the store, exit 0.
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <thread>

#include "api/api.hpp"
#include "app/commands.hpp"
#include "app/demo.hpp"
#include "app/open_backends.hpp"
#include "app/cluster_key.hpp"
#include "app/signing_secret.hpp"
#include "auth/jwt.hpp"
#include "chat/node.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/redact.hpp"
#include "net/connection_gate.hpp"
#include "net/engineio/service.hpp"
#include "net/server.hpp"
#include "protocol/ws_frame.hpp"

namespace parley::app {

namespace asio = boost::asio;

namespace {

constexpr auto drain_deadline = std::chrono::seconds(5);
constexpr size_t kMinSecretBytes = 32;

std::string default_node_id() {
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  return std::string(host) + "-" + std::to_string(::getpid());
}

bool split_listen(const std::string& listen, std::string& host, uint16_t& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  try {
    int p = std::stoi(listen.substr(colon + 1));
    if (p < 0 || p > 65535) return false;
    port = static_cast<uint16_t>(p);
  } catch (...) {
    return false;
  }
  return true;
}

// True for a host that only this machine can reach.
bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

// "<node-id>." when the node id is safe in a URL query and an nginx map key; else nothing.
std::string sid_prefix_for(const std::string& node_id) {
  bool safe = !node_id.empty() && node_id.size() <= 64 && std::all_of(node_id.begin(), node_id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  return safe ? node_id + "." : "";
}

int fail(const std::string& line) {
  std::fprintf(stderr, "parley: %s\n", line.c_str());
  return 2;
}

// Waits, without blocking loop 0, until every connection is gone or the deadline passes; then `done`.
void drain(asio::steady_timer& timer, std::chrono::steady_clock::time_point deadline, std::function<void()> done) {
  if (core::metrics().connections.load() <= 0 || std::chrono::steady_clock::now() >= deadline) return done();
  timer.expires_after(std::chrono::milliseconds(20));
  timer.async_wait([&timer, deadline, done](boost::system::error_code) { drain(timer, deadline, done); });
}

}  // namespace

int serve(const core::Config& input) {
  core::Config config = input;
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  if (config.node_id.empty()) config.node_id = default_node_id();
  // Shorter secrets can be brute-forced offline from any one token.
  for (const auto& [flag, secret] : {std::pair{"--jwt-secret", &config.jwt_secret},
                                     std::pair{"--jwt-previous-secret", &config.jwt_previous_secret}}) {
    if (!secret->empty() && secret->size() < kMinSecretBytes)
      return fail(std::string(flag) + " must be at least 32 bytes (for example: openssl rand -hex 32)");
  }
  auto cors = net::CorsPolicy::parse(config.cors_origins);
  if (!cors) return fail(cors.error().message);
  std::vector<asio::ip::address> trusted_proxies;
  for (const std::string& proxy : config.trusted_proxies) {
    boost::system::error_code ec;
    trusted_proxies.push_back(asio::ip::make_address(proxy, ec));
    if (ec) return fail("--trusted-proxy \"" + proxy + "\" is not an IP address");
  }
  std::string host;
  uint16_t port = 0;
  if (!split_listen(config.listen, host, port)) return fail("--listen must be HOST:PORT (got \"" + config.listen + "\")");
  std::string admin_host;
  uint16_t admin_port = 0;
  if (!config.admin_listen.empty() && !split_listen(config.admin_listen, admin_host, admin_port))
    return fail("--admin-listen must be HOST:PORT (got \"" + config.admin_listen + "\")");
  if (config.socketio.conformance && !is_loopback(host))
    return fail("--socketio-conformance turns authentication off: it serves on a loopback --listen address only");

  auto store = open_store(config.store);
  if (!store) return fail(store.error().message);
  auto secret = signing_secret(config, **store);
  if (!secret) return fail(secret.error().message);
  config.jwt_secret = std::move(*secret);
  auto sealing_key = cluster_key(config, **store);
  if (!sealing_key) return fail(sealing_key.error().message);
  config.cluster_key = std::move(*sealing_key);
  auto cluster = open_cluster(config);
  if (!cluster) return fail(cluster.error().message);

  auto server = std::make_unique<net::Server>(config.threads);
  asio::ip::tcp::endpoint endpoint;
  try {
    endpoint = server->listen(host, port);
  } catch (const std::exception& e) {
    return fail("cannot listen on " + config.listen + ": " + e.what());
  }
  // The operator's endpoints on an address of their own, with one loop (a scraper and a probe, no clients).
  std::unique_ptr<net::Server> admin;
  asio::ip::tcp::endpoint admin_endpoint;
  if (!config.admin_listen.empty()) {
    admin = std::make_unique<net::Server>(1);
    try {
      admin_endpoint = admin->listen(admin_host, admin_port);
    } catch (const std::exception& e) {
      return fail("cannot listen on " + config.admin_listen + " (--admin-listen): " + e.what());
    }
  }

  chat::Node node({.node_id = config.node_id,
                   .limits = config.limits,
                   .store = store->get(),
                   .broker = cluster->broker.get(),
                   .presence = cluster->presence.get(),
                   .rate_limit = cluster->rate_limit.get(),
                   .loops = server->executors()});
  node.start();
  cluster->broker->start();
  cluster->broker->subscribe("all");

  if (config.demo) {
    if (auto made = create_demo_data(**store); !made) return fail("demo data: " + made.error().message);
  }

  api::StaticFiles web;
  web.load(config.web_root);
  if (web.size() == 0) spdlog::warn("no web client under {}: `/` explains how to build it", config.web_root);
  asio::thread_pool workers(2);  // password hashing: CPU-heavy, never on a network loop

  // Tokens of the current secret, or of the previous one during a rotation.
  // OpenSSL loads its provider and pages in its code on the first HMAC: a one-off cost (~2 MB of RSS) paid
  // here rather than by the first client's token, where it would show as that connection's memory and latency.
  (void)auth::verify_jwt(auth::sign_jwt({.sub = 1, .name = "warm-up", .exp = core::now_ms() / 1000 + 60},
                                        config.jwt_secret),
                         config.jwt_secret, core::now_ms() / 1000);
  auto authenticate = [secret = config.jwt_secret, previous = config.jwt_previous_secret,
                       leeway = config.token_leeway_seconds](std::string_view token) -> core::Result<chat::Identity> {
    const int64_t now = core::now_ms() / 1000;
    auto claims = auth::verify_jwt(token, secret, now, leeway);
    if (!claims && !previous.empty()) {
      if (auto old = auth::verify_jwt(token, previous, now, leeway)) claims = std::move(old);
    }
    if (!claims) return claims.error();
    // Honoured until exp + leeway everywhere: the connection closes (4001) when a new one would be refused.
    return chat::Identity{claims->sub, claims->name, claims->exp + leeway};
  };
  api::Api api({.node = &node,
                .store = store->get(),
                .broker = cluster->broker.get(),
                .workers = &workers,
                .authenticate = authenticate,
                .jwt_secret = config.jwt_secret,
                .token_ttl_seconds = config.token_ttl_seconds,
                .api_key = config.api_key,
                .node_id = config.node_id,
                .web = &web,
                .login_failures_per_minute = config.login_failures_per_minute,
                .registrations_per_minute = config.registrations_per_minute,
                .max_pending_hashes = config.max_pending_hashes,
                .admin_elsewhere = admin != nullptr});
  net::engineio::Service socketio(&node, authenticate, config.limits,
                                  {.ping_interval_ms = config.socketio.ping_interval_ms,
                                   .ping_timeout_ms = config.socketio.ping_timeout_ms,
                                   .max_payload = config.socketio.max_payload,
                                   .connect_timeout_ms = config.socketio.conformance ? 1000
                                                                                     : config.socketio.connect_timeout_ms,
                                   .max_unauthenticated_sessions = config.socketio.max_unauthenticated_sessions,
                                   .conformance = config.socketio.conformance,
                                   .sid_prefix = sid_prefix_for(config.node_id)},
                                  *cors);
  net::ConnectionGate gate(config.max_connections, config.max_connections_per_user,
                           static_cast<double>(config.handshakes_per_second_per_address));
  if (!config.socketio.conformance) socketio.set_gate(&gate);  // the protocol suites handshake in bursts
  api.add_gauge("parley_connection_limit_users", "Users whose connections this node counts (--max-connections-per-user).",
                [&gate] { return static_cast<int64_t>(gate.per_user.users()); });
  if (config.socketio.conformance) spdlog::warn("--socketio-conformance: Socket.IO runs the protocol test suites' echo server, without authentication");
  net::ConnectionContext context{.node = &node,
                                 .http = [&api](net::HttpRequest&& r, const std::string& client,
                                                net::Responder respond) {
                                   api.handle(std::move(r), client, std::move(respond));
                                 },
                                 .authenticate = authenticate,
                                 .limits = config.limits,
                                 .socketio = &socketio,
                                 .cors = *cors,
                                 .trusted_proxies = trusted_proxies,
                                 .gate = &gate,
                                 .ws_heartbeat = {config.ws_ping_interval_ms, config.ws_pong_timeout_ms}};

  // The admin address answers plain requests only: no WebSocket or Socket.IO, every token refused.
  net::ConnectionContext admin_context{
      .node = &node,
      .http = [&api](net::HttpRequest&& r, const std::string& client, net::Responder respond) {
        api.handle_admin(std::move(r), client, std::move(respond));
      },
      .authenticate = [](std::string_view) -> core::Result<chat::Identity> {
        return core::Error{core::ErrorCode::forbidden, "no real-time connections on the admin address"};
      },
      .limits = config.limits};

  // Both live on loop 0, so they must go before the loops do (see the end of this function).
  std::optional<asio::signal_set> signals(std::in_place, server->loop(0), SIGINT, SIGTERM);
  std::optional<asio::steady_timer> drain_timer(std::in_place, server->loop(0));
  signals->async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signal);
    server->stop_accepting();
    node.close_all(protocol::ws::close_code::going_away, "server shutting down");
    socketio.close_all();
    drain(*drain_timer, std::chrono::steady_clock::now() + drain_deadline, [&] {
      if (admin) admin->stop();
      server->stop();
    });
  });
  ::signal(SIGPIPE, SIG_IGN);

  server->start(&context);
  std::thread admin_loop;
  if (admin) {
    admin->start(&admin_context);
    admin_loop = std::thread([&admin] { admin->run_main(); });
    std::printf("parley admin on http://%s:%u\n", admin_endpoint.address().to_string().c_str(), admin_endpoint.port());
  }
  std::printf("parley listening on http://%s:%u\n", endpoint.address().to_string().c_str(), endpoint.port());
  std::fflush(stdout);
  spdlog::info("node {} serving with {} loops, store {}, broker {}", config.node_id, config.threads,
               core::redact_url(config.store), core::redact_url(config.broker));

  server->run_main();
  if (admin) {
    admin->stop();
    admin_loop.join();
    admin.reset();
  }
  socketio.forget_all();  // sessions hold timers of the loops: release them before the loops go
  signals.reset();
  drain_timer.reset();
  server.reset();  // joins the other loops
  workers.join();
  cluster->broker->stop();
  (*store)->flush();
  spdlog::info("stopped");
  return 0;
}

}  // namespace parley::app

#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <thread>

#include "app/version.hpp"

namespace parley::app {

std::optional<int64_t> parse_duration_seconds(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (...) {
    return std::nullopt;
  }
  if (value <= 0) return std::nullopt;
  std::string unit = text.substr(used);
  if (unit.empty() || unit == "s") return value;
  if (unit == "m") return value * 60;
  if (unit == "h") return value * 3600;
  if (unit == "d") return value * 86400;
  return std::nullopt;
}

namespace {
// Adds the options of `parley serve`, each with its PARLEY_* environment variable.
void add_serve_options(CLI::App& cmd, core::Config& c, std::string& ttl) {
  cmd.add_option("--listen", c.listen, "HOST:PORT to serve HTTP and WebSocket on (port 0: any free port)")
      ->envname("PARLEY_LISTEN")->capture_default_str();
  cmd.add_option("--admin-listen", c.admin_listen,
                 "HOST:PORT for the operator's endpoints (/metrics, /readyz with detail, /healthz); when given, the "
                 "public --listen answers /metrics 404 and /readyz with readiness only")
      ->envname("PARLEY_ADMIN_LISTEN");
  cmd.add_option("--store", c.store, "sqlite:PATH or postgres://...")->envname("PARLEY_STORE")->capture_default_str();
  cmd.add_option("--broker", c.broker,
                 "local, redis://[USER:PASSWORD@]HOST:PORT, or redis-cluster://[USER:PASSWORD@]HOST:PORT,HOST:PORT,... "
                 "(seed nodes of a Redis Cluster); rediss:// and rediss-cluster:// for TLS. USER:PASSWORD "
                 "percent-encoded, sent with AUTH (:PASSWORD@ for the default user)")
      ->envname("PARLEY_BROKER")->capture_default_str();
  cmd.add_option("--redis-ca", c.redis_ca,
                 "CA certificate (PEM) that signed the Redis servers' certificates, for rediss:// (default: the "
                 "system's trust store)")
      ->envname("PARLEY_REDIS_CA");
  cmd.add_option("--redis-cert", c.redis_cert, "client certificate (PEM) for a Redis that requires one (rediss://)")
      ->envname("PARLEY_REDIS_CERT");
  cmd.add_option("--redis-key", c.redis_key, "private key (PEM) of --redis-cert")->envname("PARLEY_REDIS_KEY");
  cmd.add_option("--cluster-key", c.cluster_key,
                 "key (at least 32 bytes) that seals messages between nodes; identical on every node (default with "
                 "a Redis broker: generated once and kept in the store; required with a SQLite store)")
      ->envname("PARLEY_CLUSTER_KEY");
  cmd.add_option("--node-id", c.node_id, "this node's name in the cluster (default: host name and pid)")
      ->envname("PARLEY_NODE_ID");
  cmd.add_option("--jwt-secret", c.jwt_secret,
                 "HS256 signing secret (default: generated once and kept in the store, so tokens outlive restarts; "
                 "required with a cluster broker and a SQLite store)")
      ->envname("PARLEY_JWT_SECRET");
  cmd.add_option("--jwt-previous-secret", c.jwt_previous_secret,
                 "a rotated-out secret whose tokens are still accepted until they expire")
      ->envname("PARLEY_JWT_PREVIOUS_SECRET");
  cmd.add_option("--cors-origin", c.cors_origins,
                 "an origin (scheme://host[:port], or *) whose pages may call the API and long-polling; repeatable "
                 "(environment: comma-separated). Default: none, same-origin pages only")
      ->envname("PARLEY_CORS_ORIGIN")->delimiter(',');
  cmd.add_option("--token-ttl", ttl, "token lifetime, e.g. 24h, 30m, 45s")->envname("PARLEY_TOKEN_TTL")
      ->capture_default_str();
  cmd.add_option("--token-leeway", c.token_leeway_seconds,
                 "seconds of clock skew between nodes forgiven when checking a token's exp, nbf and iat")
      ->envname("PARLEY_TOKEN_LEEWAY")->capture_default_str()->check(CLI::Range(int64_t{0}, int64_t{300}));
  cmd.add_option("--trusted-proxy", c.trusted_proxies,
                 "address of a proxy in front (e.g. nginx) whose X-Forwarded-For names the client; repeatable "
                 "(environment: comma-separated)")
      ->envname("PARLEY_TRUSTED_PROXY")->delimiter(',');
  cmd.add_option("--login-failures-per-minute", c.login_failures_per_minute,
                 "failed logins allowed per username and per client address each minute, then 429 (0: off)")
      ->envname("PARLEY_LOGIN_FAILURES_PER_MINUTE")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd.add_option("--registrations-per-minute", c.registrations_per_minute,
                 "registrations allowed per client address each minute, then 429 (0: off)")
      ->envname("PARLEY_REGISTRATIONS_PER_MINUTE")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd.add_option("--max-pending-hashes", c.max_pending_hashes,
                 "password hashes (logins, registrations) queued or running at once; more are answered 429")
      ->envname("PARLEY_MAX_PENDING_HASHES")->capture_default_str()->check(CLI::Range(size_t{1}, size_t{100000}));
  cmd.add_option("--max-connections", c.max_connections,
                 "real-time connections (native WebSocket + Engine.IO sessions) this node holds; more are refused "
                 "with 503 (0: no cap)")
      ->envname("PARLEY_MAX_CONNECTIONS")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd.add_option("--max-connections-per-user", c.max_connections_per_user,
                 "real-time connections one user holds on this node; more are refused with 429 (0: no cap)")
      ->envname("PARLEY_MAX_CONNECTIONS_PER_USER")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd.add_option("--handshakes-per-second-per-address", c.handshakes_per_second_per_address,
                 "WebSocket upgrades and Engine.IO handshakes per second per client address (as many at once); "
                 "more get 429 with Retry-After (0: off)")
      ->envname("PARLEY_HANDSHAKES_PER_SECOND_PER_ADDRESS")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd.add_option("--ws-ping-interval", c.ws_ping_interval_ms,
                 "ms between the server's pings on native WebSocket connections (/ws) (0: no pings)")
      ->envname("PARLEY_WS_PING_INTERVAL")->capture_default_str()->check(CLI::Range(int64_t{0}, int64_t{3600000}));
  cmd.add_option("--ws-pong-timeout", c.ws_pong_timeout_ms,
                 "ms a native connection has to answer a ping before it is dropped")
      ->envname("PARLEY_WS_PONG_TIMEOUT")->capture_default_str()->check(CLI::Range(int64_t{100}, int64_t{3600000}));
  cmd.add_option("--api-key", c.api_key, "key for POST /api/publish (empty: publishing is refused)")
      ->envname("PARLEY_API_KEY");
  cmd.add_option("--threads", c.threads, "event loops (0: one per core)")->envname("PARLEY_THREADS")
      ->capture_default_str();
  cmd.add_option("--max-frame-bytes", c.limits.max_frame_bytes, "largest WebSocket message accepted (else close 1009)")
      ->envname("PARLEY_MAX_FRAME_BYTES")->capture_default_str()->check(CLI::Range(size_t{128}, size_t{64} << 20));
  cmd.add_option("--max-text-chars", c.limits.max_text_chars, "longest message text, in code points")
      ->envname("PARLEY_MAX_TEXT_CHARS")->capture_default_str()->check(CLI::Range(size_t{1}, size_t{1} << 20));
  cmd.add_option("--rate-limit", c.limits.rate_limit, "messages per second per user (0: off)")
      ->envname("PARLEY_RATE_LIMIT")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd.add_option("--rate-burst", c.limits.rate_burst, "messages a user may send at once")
      ->envname("PARLEY_RATE_BURST")->capture_default_str()->check(CLI::PositiveNumber);
  cmd.add_option("--event-rate", c.limits.event_rate,
                 "every other request (joins, typing, history, presence, listings, read marks) per second per user, "
                 "node-local (0: off)")
      ->envname("PARLEY_EVENT_RATE")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd.add_option("--event-burst", c.limits.event_burst, "such requests a user may make at once")
      ->envname("PARLEY_EVENT_BURST")->capture_default_str()->check(CLI::PositiveNumber);
  cmd.add_option("--max-rooms-per-user", c.limits.max_rooms_per_user,
                 "rooms one user may create (joining an existing room is not creating; 0: no cap)")
      ->envname("PARLEY_MAX_ROOMS_PER_USER")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd.add_option("--send-queue-bytes", c.limits.send_queue_bytes,
                 "outbound bytes queued per connection before a slow reader is cut off (close 4008)")
      ->envname("PARLEY_SEND_QUEUE_BYTES")->capture_default_str()->check(CLI::Range(size_t{1024}, size_t{1} << 30));
  cmd.add_flag("--demo", c.demo, "create the demo users alice, bob, carol, dave, erin (password 1234)")
      ->envname("PARLEY_DEMO");
  cmd.add_option("--web-root", c.web_root, "directory of the built web client")->envname("PARLEY_WEB_ROOT")
      ->capture_default_str();
  cmd.add_option("--log-level", c.log_level, "trace, debug, info, warn, error")->envname("PARLEY_LOG_LEVEL")
      ->capture_default_str();
  cmd.add_option("--ping-interval", c.socketio.ping_interval_ms, "Engine.IO ping interval in ms (Socket.IO)")
      ->envname("PARLEY_PING_INTERVAL")->capture_default_str()->check(CLI::Range(int64_t{10}, int64_t{3600000}));
  cmd.add_option("--ping-timeout", c.socketio.ping_timeout_ms, "Engine.IO pong wait in ms before a session is closed")
      ->envname("PARLEY_PING_TIMEOUT")->capture_default_str()->check(CLI::Range(int64_t{10}, int64_t{3600000}));
  cmd.add_option("--max-payload", c.socketio.max_payload,
                 "largest Engine.IO polling body / WebSocket message in bytes (Socket.IO)")
      ->envname("PARLEY_MAX_PAYLOAD")->capture_default_str()->check(CLI::Range(size_t{128}, size_t{64} << 20));
  cmd.add_option("--socketio-connect-timeout", c.socketio.connect_timeout_ms,
                 "ms an Engine.IO session may stay without authenticating (a Socket.IO CONNECT with a valid token)")
      ->envname("PARLEY_SOCKETIO_CONNECT_TIMEOUT")->capture_default_str()
      ->check(CLI::Range(int64_t{100}, int64_t{120000}));
  cmd.add_option("--max-unauthenticated-sessions", c.socketio.max_unauthenticated_sessions,
                 "Engine.IO sessions not authenticated yet, per node; more handshakes are refused with 503 (0: no cap)")
      ->envname("PARLEY_MAX_UNAUTHENTICATED_SESSIONS")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd.add_flag("--socketio-conformance", c.socketio.conformance,
               "behave as the official Engine.IO/Socket.IO protocol test suites expect (testing only: no auth)")
      ->envname("PARLEY_SOCKETIO_CONFORMANCE");
}
}  // namespace

std::variant<Command, int> parse_command_line(int argc, char** argv) {
  Command command;
  CLI::App app{"Parley: a horizontally scalable real-time chat server (WebSocket and Socket.IO)", "parley"};
  app.require_subcommand(1);
  std::string ttl = "24h";

  auto* serve = app.add_subcommand("serve", "serve HTTP, WebSocket and Socket.IO clients");
  add_serve_options(*serve, command.config, ttl);

  auto* user = app.add_subcommand("user", "manage users")->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "create a user; the password is read from stdin");
  user_add->add_option("name", command.username, "user name (3-32 of [a-z0-9_.-])")->required();
  user_add->add_option("--store", command.config.store, "sqlite:PATH or postgres://...")->envname("PARLEY_STORE")
      ->capture_default_str();

  auto* publish = app.add_subcommand("publish", "server-side emit through a running node's /api/publish");
  auto& p = command.publish;
  publish->add_option("--url", p.url, "base URL of a node or of the load balancer")->envname("PARLEY_URL")
      ->capture_default_str();
  publish->add_option("--api-key", p.api_key, "the nodes' --api-key")->envname("PARLEY_API_KEY")->required();
  auto* to_user = publish->add_option("--to-user", p.to_user, "user id");
  auto* to_room = publish->add_option("--to-room", p.to_room, "room name");
  auto* to_all = publish->add_flag("--all", p.to_all, "every connection");
  to_user->excludes(to_room)->excludes(to_all);
  to_room->excludes(to_all);
  publish->add_option("--event", p.event, "event name")->required();
  publish->add_option("--data", p.data, "event data as JSON")->capture_default_str();

  auto* version = app.add_subcommand("version", "print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (serve->parsed()) {
    command.kind = Command::Kind::serve;
    auto seconds = parse_duration_seconds(ttl);
    if (!seconds) {
      std::fprintf(stderr, "parley: --token-ttl must be a duration such as 24h, 30m or 45s (got \"%s\")\n", ttl.c_str());
      return 2;
    }
    command.config.token_ttl_seconds = *seconds;
    // The official protocol test suites expect pingInterval 300 and pingTimeout 200 unless told otherwise.
    auto& sio = command.config.socketio;
    if (sio.conformance && serve->count("--ping-interval") == 0 && !std::getenv("PARLEY_PING_INTERVAL"))
      sio.ping_interval_ms = 300;
    if (sio.conformance && serve->count("--ping-timeout") == 0 && !std::getenv("PARLEY_PING_TIMEOUT"))
      sio.ping_timeout_ms = 200;
    if (command.config.threads == 0) command.config.threads = std::max(1u, std::thread::hardware_concurrency());
  } else if (user_add->parsed()) {
    command.kind = Command::Kind::user_add;
  } else if (publish->parsed()) {
    command.kind = Command::Kind::publish;
    if (p.to_user.empty() && p.to_room.empty() && !p.to_all) {
      std::fprintf(stderr, "parley publish: one of --to-user, --to-room or --all is required\n");
      return 2;
    }
  } else if (version->parsed()) {
    command.kind = Command::Kind::version;
  }
  return command;
}

}  // namespace parley::app

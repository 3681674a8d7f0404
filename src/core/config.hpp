#pragma once
// Settings of one `parley serve` process: every field is a flag and an environment variable (app/cli.cpp).
// Thread safety: immutable after start-up; read freely from any thread.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace parley::core {

struct Limits {
  size_t max_frame_bytes = 65536;     // a larger WebSocket frame/message closes the connection with 1009
  size_t max_text_chars = 4000;       // code points of `text`; more is answered too_large
  double rate_limit = 10;             // message:send + message:private per second per user; 0 = off
  double rate_burst = 20;
  size_t send_queue_bytes = 1 << 20;  // outbound bytes queued per connection before it is cut off (4008)
  size_t max_http_body_bytes = 1 << 20;
  double event_rate = 20;             // every other request (joins, typing, reads, listings) per second per user
  double event_burst = 40;
  int64_t max_rooms_per_user = 100;   // rooms a user may create; 0 = no cap
};

// Engine.IO / Socket.IO endpoint settings (/socket.io/).
struct SocketIoSettings {
  int64_t ping_interval_ms = 25000;  // --ping-interval
  int64_t ping_timeout_ms = 20000;   // --ping-timeout
  size_t max_payload = 1000000;      // --max-payload: largest polling POST body / WebSocket message
  int64_t connect_timeout_ms = 10000;  // --socketio-connect-timeout: a session must authenticate this soon
  int64_t max_unauthenticated_sessions = 1000;  // --max-unauthenticated-sessions: per node; 0 = no cap
  bool conformance = false;          // --socketio-conformance: behaviour the official test suites expect
};

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string admin_listen;      // --admin-listen: /metrics and /readyz's detail there only; empty: on --listen
  std::string store = "sqlite:./parley.db";
  std::string broker = "local";
  std::string node_id;           // default: host name + pid
  std::string jwt_secret;        // default: generated once and kept in the store (app/signing_secret.cpp)
  std::string jwt_previous_secret;  // still accepted (tokens of a rotated-out secret); empty: none
  std::string cluster_key;       // seals broker envelopes; default with Redis: kept in the store (app/cluster_key.cpp)
  std::string redis_ca, redis_cert, redis_key;  // TLS files for rediss:// (empty CA: the system's trust store)
  std::vector<std::string> cors_origins;  // --cors-origin: origins (or *) whose pages may call us
  std::vector<std::string> trusted_proxies;  // --trusted-proxy: peers whose X-Forwarded-For names the client
  int64_t login_failures_per_minute = 5;   // per username and per client address; 0 = off
  int64_t registrations_per_minute = 10;   // per client address; 0 = off
  size_t max_pending_hashes = 64;          // password hashes queued or running at once; more: 429
  // Connections are bounded (net/connection_gate.hpp); 0 turns each off.
  int64_t max_connections = 100000;        // real-time connections per node (native + Engine.IO); more: 503
  int64_t max_connections_per_user = 100;  // per user per node; more: 429 / Socket.IO CONNECT_ERROR
  int64_t handshakes_per_second_per_address = 20;  // WebSocket upgrades + Engine.IO handshakes; more: 429
  int64_t ws_ping_interval_ms = 25000;     // native /ws: the server pings this often (0: never)
  int64_t ws_pong_timeout_ms = 20000;      // and drops a connection whose pong is this late
  int64_t token_ttl_seconds = 24 * 3600;
  int64_t token_leeway_seconds = 5;   // clock skew between nodes forgiven on exp / nbf / iat
  std::string api_key;           // empty: /api/publish refuses every call
  unsigned threads = 0;          // 0: every core
  bool demo = false;
  std::string web_root = "./web/dist";
  std::string log_level = "info";
  Limits limits;
  SocketIoSettings socketio;
};

}  // namespace parley::core

#pragma once
#include <string>
// Settings of the Engine.IO / Socket.IO endpoint (flags --ping-interval, --ping-timeout, --max-payload,
// --socketio-conformance). Thread safety: immutable after start-up.
#include <cstddef>
#include <cstdint>

namespace parley::net::engineio {

struct Options {
  int64_t ping_interval_ms = 25000;  // the server sends a ping this often
  int64_t ping_timeout_ms = 20000;   // and closes the session when no pong came this long after it
  size_t max_payload = 1000000;      // largest POST body / WebSocket message of a session
  int64_t connect_timeout_ms = 10000;  // a session that sends no Socket.IO CONNECT this long is closed
  int64_t max_unauthenticated_sessions = 1000;  // sessions not authenticated yet, per node; 0: no cap
  int64_t close_grace_ms = 2000;     // a closing session waits this long for its last poll / write
  bool conformance = false;          // echo behaviour of the official protocol test suites
  // Starts every session id, so a load balancer can route a polling session's requests to the node that holds
  // it (deploy/nginx.conf.template maps "<node-id>." prefixes). Empty: bare random ids.
  std::string sid_prefix;
};

}  // namespace parley::net::engineio

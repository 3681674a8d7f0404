#pragma once
// ConnectionGate: who may open a real-time connection on this node (native WebSocket upgrades, Engine.IO
// handshakes and Socket.IO CONNECTs), so that connections are bounded:
//   - per client address, handshakes a second (HandshakeLimiter): 429 + Retry-After;
//   - per node, open connections (--max-connections, counted by core::metrics().connections: native
//     connections and Engine.IO sessions): 503 unavailable. Checked when a handshake arrives, so handshakes
//     completing at that very moment on other loops may pass it by a few;
//   - per user, open connections (UserConnections): 429 rate_limited (Socket.IO: CONNECT_ERROR).
// Thread safety: shared by every loop; see its parts.
#include <atomic>
#include <cstdint>

#include "core/metrics.hpp"
#include "net/handshake_limiter.hpp"
#include "net/user_connections.hpp"

namespace parley::net {

struct ConnectionGate {
  ConnectionGate(int64_t max_connections, int64_t max_per_user, double handshakes_per_second_per_address)
      : max_connections(max_connections), handshakes(handshakes_per_second_per_address), per_user(max_per_user) {}

  // True when the node holds --max-connections real-time connections already (never with 0: no cap).
  bool node_full() const {
    return max_connections > 0 && core::metrics().connections.load(std::memory_order_relaxed) >= max_connections;
  }

  const int64_t max_connections;
  HandshakeLimiter handshakes;
  UserConnections per_user;
};

}  // namespace parley::net

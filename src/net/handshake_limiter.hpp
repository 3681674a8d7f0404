#pragma once
// HandshakeLimiter: a token bucket per client address for WebSocket upgrades (native and Socket.IO) and
// Engine.IO handshakes (--handshakes-per-second-per-address): each address may open `per_second` handshakes
// a second, `per_second` at once. Past that it is told how many seconds to wait (429 + Retry-After).
// Memory is bounded: an address whose bucket has refilled (idle for a second) is forgotten, a few at a time on
// every call, least recently used first; at `max_addresses` the least recently used address is dropped even
// if it still owed tokens (an attacker with that many addresses is bounded by --max-connections instead).
// Thread safety: every method may be called from any loop (one mutex; a handshake is not a hot path).
#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parley::net {

class HandshakeLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // per_second 0: no limit (every call allows, nothing is remembered).
  explicit HandshakeLimiter(double per_second, size_t max_addresses = 65536);

  // nullopt when `address` may handshake now (one token taken); else the seconds to wait (>= 1).
  std::optional<int64_t> take(std::string_view address, Clock::time_point now = Clock::now());
  bool enabled() const { return per_second_ > 0; }
  // Addresses remembered now.
  size_t addresses() const;

 private:
  struct Bucket {
    std::string address;
    double tokens;
    Clock::time_point at;  // when `tokens` was computed
  };
  using List = std::list<Bucket>;  // most recently used first
  // True when `b` has refilled by `now`: forgetting it changes nothing.
  bool full(const Bucket& b, Clock::time_point now) const;

  const double per_second_;
  const double burst_;
  const size_t max_addresses_;
  mutable std::mutex mutex_;
  List lru_;
  std::unordered_map<std::string_view, List::iterator> index_;  // keys point into the list's strings
};

}  // namespace parley::net

#pragma once
// PendingSessions: how many Engine.IO sessions of this node have not authenticated yet (no Socket.IO CONNECT
// with a valid token). Each costs memory and a timer for up to the connect timeout, before anything proves
// who opened it, so their number is capped (--max-unauthenticated-sessions): past it, handshakes are refused.
// Thread safety: atomic; used from every loop.
#include <atomic>
#include <cstdint>

namespace parley::net::engineio {

class PendingSessions {
 public:
  explicit PendingSessions(int64_t max) : max_(max) {}
  // Counts a new session in; false (counting nothing) when `max` are pending already. max 0: no cap.
  bool try_enter() {
    int64_t now = count_.fetch_add(1, std::memory_order_relaxed);
    if (max_ == 0 || now < max_) return true;
    count_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  // A counted session authenticated or ended.
  void leave() { count_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  const int64_t max_;
  std::atomic<int64_t> count_{0};
};

}  // namespace parley::net::engineio

#pragma once
// LocalRateLimit: cluster::RateLimit counted on this node only (single-node shape), over RateLimiter.
// Thread safety: all methods safe from any thread.
#include <atomic>

#include "chat/rate_limiter.hpp"
#include "cluster/rate_limit.hpp"
#include "core/clock.hpp"

namespace parley::chat {

class LocalRateLimit final : public cluster::RateLimit {
 public:
  LocalRateLimit(double rate_per_second, double burst) : limiter_(rate_per_second, burst) {}
  void try_acquire(int64_t user_id, std::function<void(bool)> done) override { done(*try_acquire_now(user_id)); }
  std::optional<bool> try_acquire_now(int64_t user_id) override {
    const double now = core::monotonic_seconds();
    // Full buckets behave as new ones: forgetting them every minute keeps the table to active users.
    double due = next_prune_.load(std::memory_order_relaxed);
    if (now >= due && next_prune_.compare_exchange_strong(due, now + 60)) limiter_.prune(now);
    return limiter_.try_acquire(user_id, now);
  }

 private:
  RateLimiter limiter_;
  std::atomic<double> next_prune_{0};
};

}  // namespace parley::chat

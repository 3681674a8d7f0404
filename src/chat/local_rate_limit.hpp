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
    // Full buckets behave as new ones: forgetting them keeps the table to recently active users.
    limiter_.prune_now_and_then(now);
    return limiter_.try_acquire(user_id, now);
  }
  size_t buckets() const override { return limiter_.bucket_count(); }

 private:
  RateLimiter limiter_;
};

}  // namespace parley::chat

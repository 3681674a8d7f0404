#pragma once
// LocalRateLimit: cluster::RateLimit counted on this node only (single-node shape), over RateLimiter.
// Thread safety: all methods safe from any thread.
#include "chat/rate_limiter.hpp"
#include "cluster/rate_limit.hpp"
#include "core/clock.hpp"

namespace parley::chat {

class LocalRateLimit final : public cluster::RateLimit {
 public:
  LocalRateLimit(double rate_per_second, double burst) : limiter_(rate_per_second, burst) {}
  void try_acquire(int64_t user_id, std::function<void(bool)> done) override {
    done(limiter_.try_acquire(user_id, core::monotonic_seconds()));
  }

 private:
  RateLimiter limiter_;
};

}  // namespace parley::chat

#include "chat/rate_limiter.hpp"

#include <algorithm>
#include <iterator>

namespace parley::chat {
namespace {

// Refill arithmetic in binary floating point can land a hair below a whole token (0.3 - 0.1 is not 0.2), so a
// token counts as available from 1 - kEpsilon. The slack is a billionth of a message.
constexpr double kEpsilon = 1e-9;

}  // namespace

RateLimiter::RateLimiter(double rate_per_second, double burst)
    : rate_(rate_per_second > 0 ? rate_per_second : 0), burst_(std::max(burst, 1.0)) {}

RateLimiter::Shard& RateLimiter::shard_for(int64_t user_id) {
  // Mix the id so sequential ids spread evenly; std::hash<int64_t> is the identity on common libraries.
  uint64_t x = static_cast<uint64_t>(user_id) * 0x9E3779B97F4A7C15ULL;
  return shards_[(x >> 60) % kShards];
}

void RateLimiter::refill(Bucket& b, double now_seconds) const {
  if (now_seconds > b.last) {
    b.tokens = std::min(burst_, b.tokens + (now_seconds - b.last) * rate_);
    b.last = now_seconds;
  }
}

bool RateLimiter::try_acquire(int64_t user_id, double now_seconds) {
  if (rate_ == 0) return true;
  Shard& shard = shard_for(user_id);
  std::lock_guard lock(shard.mutex);
  auto [it, inserted] = shard.buckets.try_emplace(user_id, Bucket{burst_, now_seconds});
  Bucket& b = it->second;
  if (!inserted) refill(b, now_seconds);
  if (b.tokens < 1.0 - kEpsilon) return false;
  b.tokens -= 1.0;
  return true;
}

void RateLimiter::prune(double now_seconds) {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
      refill(it->second, now_seconds);
      it = it->second.tokens >= burst_ - kEpsilon ? shard.buckets.erase(it) : std::next(it);
    }
  }
}

double RateLimiter::prune_interval() const {
  return rate_ > 0 ? std::clamp(burst_ / rate_, 1.0, 60.0) : 60.0;
}

void RateLimiter::prune_now_and_then(double now_seconds) {
  double due = next_prune_.load(std::memory_order_relaxed);
  if (now_seconds >= due && next_prune_.compare_exchange_strong(due, now_seconds + prune_interval())) prune(now_seconds);
}

size_t RateLimiter::bucket_count() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.buckets.size();
  }
  return n;
}

}  // namespace parley::chat

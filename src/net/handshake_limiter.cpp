#include "net/handshake_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace parley::net {

namespace {
constexpr int kPrunePerCall = 2;  // idle buckets forgotten per call: amortised, never a sweep of the table
}

HandshakeLimiter::HandshakeLimiter(double per_second, size_t max_addresses)
    : per_second_(std::max(per_second, 0.0)),
      burst_(std::max(per_second, 1.0)),
      max_addresses_(std::max<size_t>(max_addresses, 1)) {}

bool HandshakeLimiter::full(const Bucket& b, Clock::time_point now) const {
  double elapsed = std::chrono::duration<double>(now - b.at).count();
  return b.tokens + elapsed * per_second_ >= burst_;
}

std::optional<int64_t> HandshakeLimiter::take(std::string_view address, Clock::time_point now) {
  if (!enabled()) return std::nullopt;
  std::lock_guard lock(mutex_);
  for (int i = 0; i < kPrunePerCall && !lru_.empty() && full(lru_.back(), now); ++i) {
    index_.erase(lru_.back().address);
    lru_.pop_back();
  }
  auto found = index_.find(address);
  if (found == index_.end()) {
    if (lru_.size() >= max_addresses_) {
      index_.erase(lru_.back().address);
      lru_.pop_back();
    }
    lru_.push_front(Bucket{std::string(address), burst_ - 1, now});
    index_.emplace(lru_.front().address, lru_.begin());
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, found->second);
  Bucket& b = lru_.front();
  double elapsed = std::max(0.0, std::chrono::duration<double>(now - b.at).count());
  b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1 - b.tokens) / per_second_)));
}

size_t HandshakeLimiter::addresses() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace parley::net

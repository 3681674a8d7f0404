#pragma once
// Per-user token buckets for message:send / message:private (docs/protocol.md §4: default 10/s, burst 20;
// refused messages use none of it). This is the node-local limiter; time is injected by the caller.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace parley::chat {

// Thread safety: all methods are safe from any thread; users are spread over 16 shards, each with its own mutex,
// so callers on different event loops rarely contend.
class RateLimiter {
 public:
  // Allows `rate_per_second` tokens per second with room for `burst` (clamped to at least 1).
  // A rate of 0 (or less) disables limiting: try_acquire always returns true and nothing is stored.
  RateLimiter(double rate_per_second, double burst);

  // Returns true and takes one token from `user_id`'s bucket if a whole token is available at `now_seconds`
  // (a monotonic clock, e.g. core::monotonic_seconds()); returns false and takes nothing otherwise.
  // Buckets start full and refill continuously at the rate, capped at the burst. A clock that goes backwards
  // refills nothing.
  bool try_acquire(int64_t user_id, double now_seconds);

  // Forgets every bucket that is full at `now_seconds`. A full bucket behaves exactly like a new one, so this
  // changes no decision; call it periodically (e.g. every minute) so memory tracks active users only.
  void prune(double now_seconds);
  // prune() when one is due: every prune_interval(). Call it with each try_acquire: as a pruned table holds
  // only the users active in the last interval or so, each prune walks about as many buckets as there were
  // requests since the last one, so the cost per request stays constant and the table returns to empty a
  // couple of intervals after the last user went quiet.
  void prune_now_and_then(double now_seconds);
  // How long an untouched bucket takes to fill up (burst / rate), between 1 and 60 seconds: a bucket is
  // forgotten at most that long after it is full.
  double prune_interval() const;

  // Returns how many buckets are held (for metrics and tests).
  size_t bucket_count() const;

 private:
  struct Bucket {
    double tokens;
    double last;  // time of the last refill
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<int64_t, Bucket> buckets;
  };
  static constexpr size_t kShards = 16;

  Shard& shard_for(int64_t user_id);
  // Brings `b` up to `now_seconds`.
  void refill(Bucket& b, double now_seconds) const;

  double rate_;
  double burst_;
  std::array<Shard, kShards> shards_;
  std::atomic<double> next_prune_{0};
};

}  // namespace parley::chat

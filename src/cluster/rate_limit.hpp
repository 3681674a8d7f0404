#pragma once
// RateLimit: the per-user budget of message:send / message:private (docs/protocol.md §4). The local one
// (chat/local_rate_limit.hpp) counts on this node; the Redis one counts across the cluster.
// Contract: try_acquire takes one token when one is available and answers true; a refusal takes nothing.
// `done` may run inline or on another thread (callers post back to their loop).
// Thread safety: all methods safe from any thread.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

namespace parley::cluster {

class RateLimit {
 public:
  virtual ~RateLimit() = default;
  virtual void try_acquire(int64_t user_id, std::function<void(bool)> done) = 0;
  // The same answer, given at once when no I/O is needed (the local limiter); nullopt (nothing taken) when the
  // caller must use try_acquire.
  virtual std::optional<bool> try_acquire_now(int64_t user_id) { return std::nullopt; }
  // Per-user entries this process holds (the local limiter's buckets; 0 for one kept elsewhere), for /metrics.
  virtual size_t buckets() const { return 0; }
};

}  // namespace parley::cluster

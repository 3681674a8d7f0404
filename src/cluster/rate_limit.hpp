#pragma once
// RateLimit: the per-user budget of message:send / message:private (docs/protocol.md §4). The local one
// (chat/local_rate_limit.hpp) counts on this node; the Redis one counts across the cluster.
// Contract: try_acquire takes one token when one is available and answers true; a refusal takes nothing.
// `done` may run inline or on another thread (callers post back to their loop).
// Thread safety: all methods safe from any thread.
#include <cstdint>
#include <functional>

namespace parley::cluster {

class RateLimit {
 public:
  virtual ~RateLimit() = default;
  virtual void try_acquire(int64_t user_id, std::function<void(bool)> done) = 0;
};

}  // namespace parley::cluster

#pragma once
// RedisRateLimit: the per-user token bucket of docs/protocol.md §4 shared by every node: one Lua script per
// attempt on "P{rate:<user id>}" (one key: on a cluster it lives on one shard) (fields tokens, ts; server TIME, so node clocks do not matter; the key
// expires once the bucket would be full again). A refusal takes no token.
// Redis outage: never waits for Redis; it answers from `fallback` (the node-local bucket), so each node
// still enforces the limit on its own while the shared count is unavailable.
// Thread safety: all methods safe from any thread; `done` runs on the Runtime's thread.
#include <memory>

#include "cluster/rate_limit.hpp"
#include "cluster/redis/client.hpp"
#include "cluster/redis/script.hpp"

namespace parley::cluster::redis {

class RedisRateLimit final : public RateLimit {
 public:
  // rate <= 0 turns the limit off.
  RedisRateLimit(std::shared_ptr<Client> client, double rate_per_second, double burst,
                 std::unique_ptr<RateLimit> fallback, std::string prefix = "parley:");
  ~RedisRateLimit() override;
  void try_acquire(int64_t user_id, std::function<void(bool)> done) override;

 private:
  std::shared_ptr<Client> client_;  // Runtime thread only
  double rate_, burst_;
  std::unique_ptr<RateLimit> fallback_;
  std::string prefix_;
  Script bucket_;
};

}  // namespace parley::cluster::redis

#pragma once
// UserConnections: how many real-time connections (native WebSocket, Socket.IO after CONNECT) each user holds
// on this node, capped by --max-connections-per-user: one stolen or scripted account cannot take a node's
// connections. A user with no connection has no entry; one with connections has 16 bytes in a flat table.
// Thread safety: every method may be called from any loop (16 mutex-guarded shards by user id).
#include <boost/unordered/unordered_flat_map.hpp>
#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace parley::net {

class UserConnections {
 public:
  // max_per_user 0: no limit (nothing is counted).
  explicit UserConnections(int64_t max_per_user) : max_(max_per_user) {}

  // Counts one more connection of `user_id`; false (counting nothing) when it holds `max_per_user` already.
  bool try_enter(int64_t user_id);
  // One connection of `user_id` counted by try_enter() ended.
  void leave(int64_t user_id);
  // Connections of `user_id` counted now.
  int64_t count(int64_t user_id) const;
  bool enabled() const { return max_ > 0; }
  // Users with at least one connection counted (for /metrics).
  size_t users() const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    boost::unordered_flat_map<int64_t, int64_t> counts;
  };
  Shard& shard(int64_t user_id) const { return shards_[static_cast<uint64_t>(user_id) % shards_.size()]; }

  const int64_t max_;
  mutable std::array<Shard, 16> shards_;
};

}  // namespace parley::net

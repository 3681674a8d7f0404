#include "net/user_connections.hpp"

namespace parley::net {

bool UserConnections::try_enter(int64_t user_id) {
  if (!enabled()) return true;
  Shard& s = shard(user_id);
  std::lock_guard lock(s.mutex);
  int64_t& n = s.counts[user_id];
  if (n >= max_) return false;
  ++n;
  return true;
}

void UserConnections::leave(int64_t user_id) {
  if (!enabled()) return;
  Shard& s = shard(user_id);
  std::lock_guard lock(s.mutex);
  auto it = s.counts.find(user_id);
  if (it == s.counts.end()) return;
  if (--it->second <= 0) s.counts.erase(it);
}

int64_t UserConnections::count(int64_t user_id) const {
  Shard& s = shard(user_id);
  std::lock_guard lock(s.mutex);
  auto it = s.counts.find(user_id);
  return it == s.counts.end() ? 0 : it->second;
}

size_t UserConnections::users() const {
  size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.counts.size();
  }
  return n;
}

}  // namespace parley::net

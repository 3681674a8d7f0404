#include "net/engineio/registry.hpp"

#include <vector>

#include "core/metrics.hpp"

namespace parley::net::engineio {

void Registry::add(const std::string& sid, std::shared_ptr<EngineSession> session) {
  Shard& s = shard(sid);
  std::lock_guard lock(s.mutex);
  if (s.sessions.insert_or_assign(std::string_view(sid), std::move(session)).second)
    core::metrics().engineio_sessions.fetch_add(1, std::memory_order_relaxed);
}

void Registry::remove(std::string_view sid) {
  Shard& s = shard(sid);
  std::lock_guard lock(s.mutex);
  if (s.sessions.erase(sid) > 0) core::metrics().engineio_sessions.fetch_sub(1, std::memory_order_relaxed);
}

std::shared_ptr<EngineSession> Registry::find(std::string_view sid) const {
  Shard& s = shard(sid);
  std::lock_guard lock(s.mutex);
  auto it = s.sessions.find(sid);
  return it == s.sessions.end() ? nullptr : it->second;
}

void Registry::clear() {
  for (auto& s : shards_) {
    decltype(s.sessions) gone;
    {
      std::lock_guard lock(s.mutex);
      gone.swap(s.sessions);
    }
    core::metrics().engineio_sessions.fetch_sub(static_cast<int64_t>(gone.size()), std::memory_order_relaxed);
  }
}

std::vector<std::shared_ptr<EngineSession>> Registry::all() const {
  std::vector<std::shared_ptr<EngineSession>> out;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    for (auto& [sid, session] : s.sessions) out.push_back(session);
  }
  return out;
}

}  // namespace parley::net::engineio

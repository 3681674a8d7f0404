#include "net/engineio/registry.hpp"

#include <vector>

namespace parley::net::engineio {

void Registry::add(const std::string& sid, std::shared_ptr<EngineSession> session) {
  Shard& s = shard(sid);
  std::lock_guard lock(s.mutex);
  s.sessions[std::string_view(sid)] = std::move(session);
}

void Registry::remove(std::string_view sid) {
  Shard& s = shard(sid);
  std::lock_guard lock(s.mutex);
  s.sessions.erase(sid);
}

std::shared_ptr<EngineSession> Registry::find(std::string_view sid) const {
  Shard& s = shard(sid);
  std::lock_guard lock(s.mutex);
  auto it = s.sessions.find(sid);
  return it == s.sessions.end() ? nullptr : it->second;
}

void Registry::clear() {
  for (auto& s : shards_) {
    std::unordered_map<std::string_view, std::shared_ptr<EngineSession>> gone;
    {
      std::lock_guard lock(s.mutex);
      gone.swap(s.sessions);
    }
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

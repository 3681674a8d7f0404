#pragma once
// Registry: the node-wide map sid -> Engine.IO session. Each HTTP request of a polling session may arrive on
// any TCP connection, hence on any event loop; the request finds its session here and posts to its loop.
// Sharded by sid hash so lookups from many loops rarely contend.
// Thread safety: every member function may be called from any thread.
#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::net::engineio {

class EngineSession;

class Registry {
 public:
  // Adds a session under its sid.
  void add(const std::string& sid, std::shared_ptr<EngineSession> session);
  // Removes the sid (no-op if absent).
  void remove(const std::string& sid);
  // The session with this sid, or null.
  std::shared_ptr<EngineSession> find(const std::string& sid) const;
  // Removes every session.
  void clear();
  // Every registered session (shutdown).
  std::vector<std::shared_ptr<EngineSession>> all() const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<EngineSession>> sessions;
  };
  Shard& shard(const std::string& sid) const { return shards_[std::hash<std::string>{}(sid) % shards_.size()]; }
  mutable std::array<Shard, 16> shards_;
};

}  // namespace parley::net::engineio

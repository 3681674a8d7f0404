#pragma once
// Registry: the node-wide map sid -> Engine.IO session. Each HTTP request of a polling session may arrive on
// any TCP connection, hence on any event loop; the request finds its session here and posts to its loop.
// Sharded by sid hash so lookups from many loops rarely contend. The key is a view of the session's own sid
// (the entry holds the session, so the sid outlives it): no second copy of every sid; entries are 32 bytes
// in a flat table, no block each.
// Thread safety: every member function may be called from any thread.
#include <boost/unordered/unordered_flat_map.hpp>
#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace parley::net::engineio {

class EngineSession;

class Registry {
 public:
  // Adds a session under its sid, which must be the session's own (session->sid()).
  void add(const std::string& sid, std::shared_ptr<EngineSession> session);
  // Removes the sid (no-op if absent).
  void remove(std::string_view sid);
  // The session with this sid, or null.
  std::shared_ptr<EngineSession> find(std::string_view sid) const;
  // Removes every session.
  void clear();
  // Every registered session (shutdown).
  std::vector<std::shared_ptr<EngineSession>> all() const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    boost::unordered_flat_map<std::string_view, std::shared_ptr<EngineSession>, std::hash<std::string_view>> sessions;
  };
  Shard& shard(std::string_view sid) const { return shards_[std::hash<std::string_view>{}(sid) % shards_.size()]; }
  mutable std::array<Shard, 16> shards_;
};

}  // namespace parley::net::engineio

#include "cluster/local_presence.hpp"

#include <algorithm>

namespace parley::cluster {

namespace {
using Connections = boost::container::small_vector<uint64_t, 1>;

uint64_t key_of(const std::string& connection) { return std::hash<std::string>{}(connection); }

bool remove_connection(Connections& connections, uint64_t connection) {
  auto it = std::find(connections.begin(), connections.end(), connection);
  if (it == connections.end()) return false;
  *it = connections.back();
  connections.pop_back();
  return true;
}
}  // namespace

void LocalPresence::join(const std::string& scope, const Member& member, const std::string& connection,
                         PresenceCallback<bool> done) {
  bool first;
  {
    std::lock_guard lock(mutex_);
    auto& entry = scopes_[scope][member.user_id];
    first = entry.connections.empty();
    entry.username = member.username;
    const uint64_t key = key_of(connection);
    if (std::find(entry.connections.begin(), entry.connections.end(), key) == entry.connections.end())
      entry.connections.push_back(key);
  }
  done(first);
}

void LocalPresence::leave(const std::string& scope, int64_t user_id, const std::string& connection,
                          PresenceCallback<bool> done) {
  bool last = false;
  {
    std::lock_guard lock(mutex_);
    auto s = scopes_.find(scope);
    if (s != scopes_.end()) {
      auto u = s->second.find(user_id);
      if (u != s->second.end() && remove_connection(u->second.connections, key_of(connection)) && u->second.connections.empty()) {
        last = true;
        s->second.erase(u);
        if (s->second.empty()) scopes_.erase(s);
      }
    }
  }
  done(last);
}

void LocalPresence::members(const std::string& scope, PresenceCallback<std::vector<Member>> done) {
  std::vector<Member> out;
  {
    std::lock_guard lock(mutex_);
    if (auto s = scopes_.find(scope); s != scopes_.end())
      for (auto& [id, entry] : s->second) out.push_back({id, entry.username});
  }
  done(std::move(out));
}

void LocalPresence::counts(const std::vector<std::string>& scopes, PresenceCallback<std::vector<int64_t>> done) {
  std::vector<int64_t> out;
  out.reserve(scopes.size());
  {
    std::lock_guard lock(mutex_);
    for (auto& scope : scopes) {
      auto s = scopes_.find(scope);
      out.push_back(s == scopes_.end() ? 0 : static_cast<int64_t>(s->second.size()));
    }
  }
  done(std::move(out));
}

}  // namespace parley::cluster

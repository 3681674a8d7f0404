#include "cluster/local_presence.hpp"

namespace parley::cluster {

void LocalPresence::join(const std::string& scope, const Member& member, const std::string& connection,
                         PresenceCallback<bool> done) {
  bool first;
  {
    std::lock_guard lock(mutex_);
    auto& entry = scopes_[scope][member.user_id];
    first = entry.connections.empty();
    entry.username = member.username;
    entry.connections.insert(connection);
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
      if (u != s->second.end() && u->second.connections.erase(connection) && u->second.connections.empty()) {
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

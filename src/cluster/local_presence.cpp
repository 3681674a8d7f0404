#include "cluster/local_presence.hpp"

#include <algorithm>

namespace parley::cluster {

namespace {
uint64_t key_of(const std::string& connection) { return std::hash<std::string>{}(connection); }
}  // namespace

void LocalPresence::join(const std::string& scope, const Member& member, const std::string& connection,
                         PresenceCallback<bool> done) {
  const uint64_t key = key_of(connection);
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    Scope& s = scopes_[scope];
    auto [it, fresh] = s.users.try_emplace(member.user_id, UserEntry{key, 1});
    if (fresh) {
      first = true;
      ++entries_;
      Name& name = names_[member.user_id];
      if (name.scopes++ == 0) name.username = member.username;
    } else if (it->second.first != key) {
      auto [from, to] = s.more.equal_range(member.user_id);
      if (std::none_of(from, to, [key](const auto& c) { return c.second == key; })) {
        s.more.emplace(member.user_id, key);
        ++it->second.connections;
      }
    }
  }
  done(first);
}

void LocalPresence::leave(const std::string& scope, int64_t user_id, const std::string& connection,
                          PresenceCallback<bool> done) {
  const uint64_t key = key_of(connection);
  bool last = false;
  {
    std::lock_guard lock(mutex_);
    last = leave_locked(scope, user_id, key);
  }
  done(last);
}

bool LocalPresence::leave_locked(const std::string& scope, int64_t user_id, uint64_t key) {
  auto s = scopes_.find(scope);
  if (s == scopes_.end()) return false;
  auto u = s->second.users.find(user_id);
  if (u == s->second.users.end()) return false;
  UserEntry& entry = u->second;
  auto [from, to] = s->second.more.equal_range(user_id);
  if (entry.first != key) {
    auto c = std::find_if(from, to, [key](const auto& c) { return c.second == key; });
    if (c != to) {
      s->second.more.erase(c);
      --entry.connections;
    }
    return false;
  }
  if (from != to) {  // another of the user's connections becomes the first
    entry.first = from->second;
    s->second.more.erase(from);
    --entry.connections;
    return false;
  }
  s->second.users.erase(u);
  --entries_;
  if (s->second.users.empty()) scopes_.erase(s);
  if (auto name = names_.find(user_id); name != names_.end() && --name->second.scopes == 0) names_.erase(name);
  return true;
}

void LocalPresence::members(const std::string& scope, PresenceCallback<std::vector<Member>> done) {
  std::vector<Member> out;
  {
    std::lock_guard lock(mutex_);
    if (auto s = scopes_.find(scope); s != scopes_.end()) {
      out.reserve(s->second.users.size());
      for (const auto& [id, entry] : s->second.users) {
        auto name = names_.find(id);
        out.push_back({id, name == names_.end() ? std::string() : name->second.username});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Member& a, const Member& b) { return a.user_id < b.user_id; });
  done(std::move(out));
}

void LocalPresence::counts(const std::vector<std::string>& scopes, PresenceCallback<std::vector<int64_t>> done) {
  std::vector<int64_t> out;
  out.reserve(scopes.size());
  {
    std::lock_guard lock(mutex_);
    for (auto& scope : scopes) {
      auto s = scopes_.find(scope);
      out.push_back(s == scopes_.end() ? 0 : static_cast<int64_t>(s->second.users.size()));
    }
  }
  done(std::move(out));
}

size_t LocalPresence::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

}  // namespace parley::cluster

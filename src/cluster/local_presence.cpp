#include "cluster/local_presence.hpp"

#include <algorithm>

namespace parley::cluster {

namespace {
uint64_t key_of(const std::string& connection) { return std::hash<std::string>{}(connection); }
}  // namespace

bool LocalPresence::add(uint64_t& first, uint32_t& count, std::unordered_multimap<int64_t, uint64_t>& more,
                        int64_t user, uint64_t key) {
  if (count == 0) {
    first = key;
    count = 1;
    return true;
  }
  if (first == key) return false;
  auto [from, to] = more.equal_range(user);
  if (std::none_of(from, to, [key](const auto& m) { return m.second == key; })) {
    more.emplace(user, key);
    ++count;
  }
  return false;
}

bool LocalPresence::drop(uint64_t& first, uint32_t& count, std::unordered_multimap<int64_t, uint64_t>& more,
                         int64_t user, uint64_t key) {
  if (count == 0) return false;
  auto [from, to] = more.equal_range(user);
  if (first != key) {
    auto m = std::find_if(from, to, [key](const auto& m) { return m.second == key; });
    if (m != to) {
      more.erase(m);
      --count;
    }
    return false;
  }
  if (from != to) {  // another of the user's connections becomes the first
    first = from->second;
    more.erase(from);
    --count;
    return false;
  }
  first = 0;
  count = 0;
  return true;
}

void LocalPresence::forget_if_gone(boost::unordered_flat_map<int64_t, User>::iterator user) {
  if (user->second.count == 0 && user->second.rooms == 0) users_.erase(user);
}

void LocalPresence::join(const std::string& scope, const Member& member, const std::string& connection,
                         PresenceCallback<bool> done) {
  const uint64_t key = key_of(connection);
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    User& user = users_[member.user_id];
    if (user.username.empty()) user.username = member.username;
    if (scope.empty()) {
      first = add(user.first, user.count, online_more_, member.user_id, key);
      if (first) ++online_;
    } else {
      Room& room = rooms_[scope];
      Connections& c = room.users[member.user_id];
      first = add(c.first, c.count, room.more, member.user_id, key);
      if (first) {
        ++room_entries_;
        ++user.rooms;
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
    auto user = users_.find(user_id);
    if (user != users_.end()) {
      if (scope.empty()) {
        last = drop(user->second.first, user->second.count, online_more_, user_id, key);
        if (last) --online_;
      } else if (auto room = rooms_.find(scope); room != rooms_.end()) {
        auto entry = room->second.users.find(user_id);
        if (entry != room->second.users.end() &&
            (last = drop(entry->second.first, entry->second.count, room->second.more, user_id, key))) {
          room->second.users.erase(entry);
          if (room->second.users.empty()) rooms_.erase(room);
          --room_entries_;
          --user->second.rooms;
        }
      }
      if (last) forget_if_gone(user);
    }
  }
  done(last);
}

void LocalPresence::members(const std::string& scope, PresenceCallback<std::vector<Member>> done) {
  std::vector<Member> out;
  {
    std::lock_guard lock(mutex_);
    if (scope.empty()) {
      out.reserve(online_);
      for (const auto& [id, user] : users_)
        if (user.count > 0) out.push_back({id, user.username});
    } else if (auto room = rooms_.find(scope); room != rooms_.end()) {
      out.reserve(room->second.users.size());
      for (const auto& [id, entry] : room->second.users) {
        auto user = users_.find(id);
        out.push_back({id, user == users_.end() ? std::string() : user->second.username});
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
      if (scope.empty()) {
        out.push_back(static_cast<int64_t>(online_));
        continue;
      }
      auto room = rooms_.find(scope);
      out.push_back(room == rooms_.end() ? 0 : static_cast<int64_t>(room->second.users.size()));
    }
  }
  done(std::move(out));
}

size_t LocalPresence::entries() const {
  std::lock_guard lock(mutex_);
  return online_ + room_entries_;
}

}  // namespace parley::cluster

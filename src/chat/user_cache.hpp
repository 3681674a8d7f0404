#pragma once
// UserCache: user id <-> username of users this loop has looked up, so a direct message to a known user needs
// no store read (and no hop to a store thread and back). Users are never renamed or deleted, so an entry
// never goes stale; only users that exist are remembered. Bounded: it starts over when full.
// Thread safety: one per event loop, used on that loop only (size() excepted).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.hpp"

namespace parley::chat {

class UserCache {
 public:
  explicit UserCache(size_t max_users = 65536) : max_users_(max_users) {}

  std::optional<store::User> by_id(int64_t id) const {
    auto it = names_.find(id);
    if (it == names_.end()) return std::nullopt;
    return store::User{id, it->second};
  }
  bool knows(int64_t id) const { return names_.contains(id); }
  std::optional<store::User> by_name(std::string_view name) const {
    auto it = ids_.find(std::string(name));
    if (it == ids_.end()) return std::nullopt;
    return store::User{it->second, it->first};
  }
  void remember(const store::User& user) {
    if (names_.size() >= max_users_) names_.clear(), ids_.clear();
    names_.emplace(user.id, user.username);
    ids_.emplace(user.username, user.id);
    size_.store(names_.size(), std::memory_order_relaxed);
  }
  // Users remembered; the one member safe from any thread (for /metrics).
  size_t size() const { return size_.load(std::memory_order_relaxed); }

 private:
  size_t max_users_;
  std::atomic<size_t> size_{0};
  std::unordered_map<int64_t, std::string> names_;
  std::unordered_map<std::string, int64_t> ids_;
};

}  // namespace parley::chat

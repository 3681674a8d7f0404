#pragma once
// LocalPresence: Presence for a single node, in memory. Callbacks run inline.
// Per (scope, user) it keeps a 24-byte entry in a flat table, and a user's name once however many scopes the
// user is in: presence is per user and per membership of every idle connection, so it is kept small.
// Thread safety: all methods safe from any thread (one mutex; presence changes are rare next to messages).
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/presence.hpp"

namespace parley::cluster {

class LocalPresence final : public Presence {
 public:
  void join(const std::string& scope, const Member& member, const std::string& connection,
            PresenceCallback<bool> done) override;
  void leave(const std::string& scope, int64_t user_id, const std::string& connection,
             PresenceCallback<bool> done) override;
  void members(const std::string& scope, PresenceCallback<std::vector<Member>> done) override;
  void counts(const std::vector<std::string>& scopes, PresenceCallback<std::vector<int64_t>> done) override;
  size_t entries() const override;

 private:
  // A user in a scope: how many of the user's connections are in it, and the first of them (a 64-bit hash of
  // its id). The others, when a user has several there, are in Scope::more: join and leave stay idempotent
  // per connection without a block per entry.
  struct UserEntry {
    uint64_t first = 0;
    uint32_t connections = 0;
  };
  struct Scope {
    boost::unordered_flat_map<int64_t, UserEntry> users;
    std::unordered_multimap<int64_t, uint64_t> more;  // user id -> a connection past the first
  };
  // A user's name, with the number of scopes the user is in.
  struct Name {
    std::string username;
    uint32_t scopes = 0;
  };
  // leave() under the lock: true when it was the user's last connection in the scope.
  bool leave_locked(const std::string& scope, int64_t user_id, uint64_t key);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Scope> scopes_;
  boost::unordered_flat_map<int64_t, Name> names_;
  size_t entries_ = 0;  // (scope, user) entries
};

}  // namespace parley::cluster

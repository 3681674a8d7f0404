#pragma once
// LocalPresence: Presence for a single node, in memory. Callbacks run inline.
// Thread safety: all methods safe from any thread (one mutex; presence changes are rare next to messages).
#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <map>
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

 private:
  struct UserEntry {
    std::string username;
    // The user's connections in the scope, by a 64-bit hash of their id: a user has few, so the first is
    // inline and a collision among one user's connections is not a concern. This entry exists per user and
    // scope ("" and every room), so it is kept in one 112-byte block.
    boost::container::small_vector<uint64_t, 1> connections;
  };
  using Scope = std::map<int64_t, UserEntry>;  // by user id, so members() comes out sorted
  std::mutex mutex_;
  std::unordered_map<std::string, Scope> scopes_;
};

}  // namespace parley::cluster

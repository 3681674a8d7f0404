#pragma once
// Presence: who is online, cluster-wide, per scope. A scope is a room name, or "" for "online anywhere".
// Membership is counted per connection: a user is in a scope while at least one of their connections is.
//
// Contract for every implementation (local, redis):
// - join() answers true when the connection is the user's first in the scope (cluster-wide);
//   leave() answers true when it was the user's last. Both are idempotent per connection.
// - Callbacks may run on any thread (the local one runs them inline); callers post back to their loop.
// - A cluster implementation notices dead nodes itself (heartbeats) and drops their connections; for each
//   user whose last connection in a scope went that way it calls the membership handler (joined = false).
//   Joins and leaves it could not record (its store was unreachable) it records once it can again, and calls
//   the handler for the users who thereby arrived in or left a scope, since nobody was told at the time.
// Thread safety: all methods safe from any thread.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace parley::cluster {

struct Member {
  int64_t user_id = 0;
  std::string username;
};

template <class T>
using PresenceCallback = std::function<void(core::Result<T>)>;

class Presence {
 public:
  virtual ~Presence() = default;
  virtual void join(const std::string& scope, const Member& member, const std::string& connection,
                    PresenceCallback<bool> done) = 0;
  virtual void leave(const std::string& scope, int64_t user_id, const std::string& connection,
                     PresenceCallback<bool> done) = 0;
  // Distinct users in the scope, by user id ascending.
  virtual void members(const std::string& scope, PresenceCallback<std::vector<Member>> done) = 0;
  // Number of distinct users in each scope, in the order asked.
  virtual void counts(const std::vector<std::string>& scopes, PresenceCallback<std::vector<int64_t>> done) = 0;
  // Receives (scope, user, joined) for changes nobody announced: users who left a scope because their node
  // died, and joins and leaves recorded late, after an outage (runs on any thread). Set once, before serving;
  // the local implementation never calls it.
  using MembershipHandler = std::function<void(const std::string& scope, const Member& member, bool joined)>;
  virtual void set_membership_handler(MembershipHandler handler) { (void)handler; }
  // Entries this process holds in memory, for /metrics: (scope, user) pairs for the local implementation,
  // (scope, connection) pairs of this node's own connections for a cluster one. Back to its baseline once
  // the users have gone (per-user state is bounded).
  virtual size_t entries() const = 0;
};

}  // namespace parley::cluster

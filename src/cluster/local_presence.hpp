#pragma once
// LocalPresence: Presence for a single node, in memory. Callbacks run inline.
// Presence is per user and per membership of every idle connection, so it is kept small: a user online
// (scope "") has one 56-byte flat entry with the name, the user's connections there and the number of rooms
// the user is in; each (room, user) pair a 24-byte flat entry. No block per entry (a name past 15 characters
// excepted).
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
  // A user's connections in a scope: how many, and the first (a 64-bit hash of its id). The others, when a
  // user has several there, are in the scope's `more`, so join and leave stay idempotent per connection.
  struct Connections {
    uint64_t first = 0;
    uint32_t count = 0;
  };
  // What a room holds of its users.
  struct Room {
    boost::unordered_flat_map<int64_t, Connections> users;
    std::unordered_multimap<int64_t, uint64_t> more;  // user id -> a connection past the first
  };
  // A user online (in scope ""), or in some room: the name, kept once, and the user's connections in ""
  // (laid out as a Connections, with the room count in its padding: 48 bytes).
  struct User {
    std::string username;
    uint64_t first = 0;      // in scope "": as Connections
    uint32_t count = 0;      // 0: not online (only in rooms)
    uint32_t rooms = 0;      // rooms the user is in
  };
  // Adds `key` to a user's connections in a scope (new when count is 0); true when it was the first.
  static bool add(uint64_t& first, uint32_t& count, std::unordered_multimap<int64_t, uint64_t>& more, int64_t user,
                  uint64_t key);
  // Removes `key`; true when it was the user's last connection there.
  static bool drop(uint64_t& first, uint32_t& count, std::unordered_multimap<int64_t, uint64_t>& more, int64_t user,
                   uint64_t key);
  void forget_if_gone(boost::unordered_flat_map<int64_t, User>::iterator user);

  mutable std::mutex mutex_;
  boost::unordered_flat_map<int64_t, User> users_;
  std::unordered_multimap<int64_t, uint64_t> online_more_;
  size_t online_ = 0;  // users with count > 0
  std::unordered_map<std::string, Room> rooms_;
  size_t room_entries_ = 0;  // (room, user) pairs
};

}  // namespace parley::cluster

#pragma once
// Hub: the local index of one event loop: channel -> the sessions on this loop that receive it.
// Channels: "room:<name>", "user:<id>", "all" (which a session joins after its user's channel and leaves
// before it: Node::attach / detach). Fan-out walks a vector of raw pointers: sessions remove
// themselves (Node::detach) before they are destroyed. A user's channel is kept apart, by user id in a flat
// table: there is one per connected user, so its entry is 24 bytes in an array, not a block with the name.
// Thread safety: one Hub per loop, used on that loop only.
#include <boost/unordered/unordered_flat_map.hpp>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/session.hpp"

namespace parley::chat {

class Hub {
 public:
  // Called (on this loop) when a room message opens a seq gap for a session: the Node fills it.
  using GapHandler = std::function<void(Session& session, const std::string& room)>;
  explicit Hub(GapHandler on_gap = {}) : on_gap_(std::move(on_gap)) {}

  // Adds a session to a channel; true when it is the channel's first session on this loop.
  bool add(const std::string& channel, Session* session);
  // Removes a session from a channel; true when the channel has no session left on this loop.
  bool remove(const std::string& channel, Session* session);
  // Pushes deliveries to every session of the channel, honouring exclusions and per-room seq order. Each
  // session takes all of them in one visit (a member's state is fetched once, not once per delivery).
  void deliver(const std::string& channel, std::span<const DeliveryPtr> deliveries);
  void deliver(const std::string& channel, const DeliveryPtr& delivery) { deliver(channel, {&delivery, 1}); }
  // Sessions of a channel on this loop (a copy: callers may close them while iterating).
  std::vector<SessionPtr> sessions(const std::string& channel);
  // Channels with at least one session on this loop (for /metrics and tests).
  size_t channel_count() const { return channels_.size() + users_.size() + (all_ > 0 ? 1 : 0); }

 private:
  using Members = std::vector<Session*>;
  // A user's sessions on this loop: nearly always one, kept inline.
  struct UserSessions {
    Session* first = nullptr;
    std::unique_ptr<std::vector<Session*>> more;
  };
  // The sessions of a channel, contiguous (a user's with more than one are copied into scratch_); empty if
  // it has none here.
  std::span<Session* const> members(const std::string& channel);

  GapHandler on_gap_;
  std::unordered_map<std::string, Members> channels_;       // rooms
  boost::unordered_flat_map<int64_t, UserSessions> users_;   // "user:<id>", by id
  // "all" is every session of the loop, each of which is in its user's channel: it is walked from users_
  // rather than kept as a list of its own (8 bytes and more per connection). Sessions added to it.
  size_t all_ = 0;
  std::vector<Session*> scratch_;
};

// Pushes a room or conversation message to one session in seq order (room_order.hpp): drops what it already
// has, holds it while a join is replaying or behind a gap. Answers true when it opened a gap the caller must
// fill. A room the session is not in is skipped; a conversation is ordered from its first message seen.
bool push_room_message(Session& session, const DeliveryPtr& delivery);

}  // namespace parley::chat

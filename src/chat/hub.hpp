#pragma once
// Hub: the local index of one event loop: channel -> the sessions on this loop that receive it.
// Channels: "room:<name>", "user:<id>", "all". Fan-out walks a vector of raw pointers: sessions remove
// themselves (Node::detach) before they are destroyed.
// Thread safety: one Hub per loop, used on that loop only.
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/session.hpp"

namespace parley::chat {

class Hub {
 public:
  // Adds a session to a channel; true when it is the channel's first session on this loop.
  bool add(const std::string& channel, Session* session);
  // Removes a session from a channel; true when the channel has no session left on this loop.
  bool remove(const std::string& channel, Session* session);
  // Pushes a delivery to every session of the channel, honouring exclusions and per-room seq order.
  void deliver(const std::string& channel, const DeliveryPtr& delivery);
  // Sessions of a channel on this loop (a copy: callers may close them while iterating).
  std::vector<SessionPtr> sessions(const std::string& channel) const;

 private:
  std::unordered_map<std::string, std::vector<Session*>> channels_;
};

// Pushes a room message to one session unless it already has it; holds it while a join is replaying.
void push_room_message(Session& session, const DeliveryPtr& delivery);

}  // namespace parley::chat

#include "chat/hub.hpp"

#include <algorithm>

#include "chat/room_order.hpp"
#include "core/metrics.hpp"

namespace parley::chat {

bool Hub::add(const std::string& channel, Session* session) {
  auto& list = channels_[channel];
  if (std::find(list.begin(), list.end(), session) != list.end()) return false;
  list.push_back(session);
  return list.size() == 1;
}

bool Hub::remove(const std::string& channel, Session* session) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return false;
  auto& list = it->second;
  auto pos = std::find(list.begin(), list.end(), session);
  if (pos == list.end()) return false;
  *pos = list.back();  // order within a channel does not matter
  list.pop_back();
  if (!list.empty()) return false;
  channels_.erase(it);
  return true;
}

bool push_room_message(Session& session, const DeliveryPtr& delivery) {
  auto room = session.rooms.find(delivery->room);
  if (room == session.rooms.end()) return false;
  return offer_room_message(session, room->second, delivery) == Offer::gap_opened;
}

void Hub::deliver(const std::string& channel, std::span<const DeliveryPtr> deliveries) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  uint64_t count = 0;
  for (Session* session : it->second) {
    for (const DeliveryPtr& delivery : deliveries) {
      if (delivery->exclude_user != 0 && session->identity().user_id == delivery->exclude_user) continue;
      if (!delivery->exclude_connection.empty() && session->connection_id() == delivery->exclude_connection)
        continue;
      if (delivery->seq > 0) {
        if (push_room_message(*session, delivery) && on_gap_) on_gap_(*session, delivery->room);
      } else {
        session->push(delivery);
      }
      ++count;
    }
  }
  core::metrics().deliveries.fetch_add(count, std::memory_order_relaxed);
}

std::vector<SessionPtr> Hub::sessions(const std::string& channel) const {
  std::vector<SessionPtr> out;
  if (auto it = channels_.find(channel); it != channels_.end())
    for (Session* s : it->second) out.push_back(s->shared_from_this());
  return out;
}

}  // namespace parley::chat

#include "chat/hub.hpp"

#include <algorithm>

#include "core/metrics.hpp"

namespace parley::chat {

namespace {
constexpr size_t max_held_messages = 10000;
}

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

void push_room_message(Session& session, const DeliveryPtr& delivery) {
  auto room = session.rooms.find(delivery->room);
  if (room == session.rooms.end()) return;
  auto& state = room->second;
  if (state.replaying) {
    // Bounded: a replay that cannot keep up with the live room is a slow reader; it resumes with `since`.
    if (state.held.size() >= max_held_messages) return session.close(4008, "too slow a reader");
    state.held.push_back(delivery);
    return;
  }
  if (delivery->seq <= state.last_seq) return;  // already pushed (replay overlap)
  state.last_seq = delivery->seq;
  session.push(delivery);
}

void Hub::deliver(const std::string& channel, const DeliveryPtr& delivery) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  uint64_t count = 0;
  for (Session* session : it->second) {
    if (delivery->exclude_user != 0 && session->identity().user_id == delivery->exclude_user) continue;
    if (!delivery->exclude_connection.empty() && session->connection_id() == delivery->exclude_connection)
      continue;
    if (delivery->seq > 0) {
      push_room_message(*session, delivery);
    } else {
      session->push(delivery);
    }
    ++count;
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

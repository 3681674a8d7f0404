#include "chat/hub.hpp"

#include <algorithm>

#include "chat/channels.hpp"
#include "chat/room_order.hpp"
#include "core/metrics.hpp"
#include "store/store.hpp"

namespace parley::chat {

std::span<Session* const> Hub::members(const std::string& channel) {
  if (channel == all_channel) {
    scratch_.clear();
    for (const auto& [user, u] : users_) {
      scratch_.push_back(u.first);
      if (u.more) scratch_.insert(scratch_.end(), u.more->begin(), u.more->end());
    }
    return scratch_;
  }
  if (const int64_t user = user_of_channel(channel)) {
    auto it = users_.find(user);
    if (it == users_.end()) return {};
    const UserSessions& u = it->second;
    if (!u.more) return {&u.first, 1};
    scratch_.assign(1, u.first);
    scratch_.insert(scratch_.end(), u.more->begin(), u.more->end());
    return scratch_;
  }
  auto it = channels_.find(channel);
  if (it == channels_.end()) return {};
  return it->second;
}

bool Hub::add(const std::string& channel, Session* session) {
  if (channel == all_channel) return ++all_ == 1;
  if (const int64_t user = user_of_channel(channel)) {
    UserSessions& u = users_[user];
    if (u.first == nullptr) {
      u.first = session;
      return true;
    }
    if (u.first == session) return false;
    if (!u.more) u.more = std::make_unique<std::vector<Session*>>();
    if (std::find(u.more->begin(), u.more->end(), session) != u.more->end()) return false;
    u.more->push_back(session);
    return false;
  }
  auto& list = channels_[channel];
  if (std::find(list.begin(), list.end(), session) != list.end()) return false;
  list.push_back(session);
  return list.size() == 1;
}

bool Hub::remove(const std::string& channel, Session* session) {
  if (channel == all_channel) return all_ > 0 && --all_ == 0;
  if (const int64_t user = user_of_channel(channel)) {
    auto it = users_.find(user);
    if (it == users_.end()) return false;
    UserSessions& u = it->second;
    if (u.first != session) {
      if (!u.more) return false;
      auto pos = std::find(u.more->begin(), u.more->end(), session);
      if (pos == u.more->end()) return false;
      *pos = u.more->back();
      u.more->pop_back();
      if (u.more->empty()) u.more.reset();
      return false;
    }
    if (u.more) {  // another session of the user takes the first place
      u.first = u.more->back();
      u.more->pop_back();
      if (u.more->empty()) u.more.reset();
      return false;
    }
    users_.erase(it);
    return true;
  }
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
  RoomState* state = session.order_state(delivery->room);
  if (state == nullptr) {
    if (!store::is_conversation(delivery->room)) return false;  // a room it left meanwhile
    // The first message of a conversation this connection sees: ordered from here on (what came before is
    // the client's to read with dm:history).
    state = &session.conversations.emplace(delivery->room, RoomState{.last_seq = delivery->seq - 1}).first->second;
  }
  return offer_room_message(session, *state, delivery) == Offer::gap_opened;
}

namespace {
// Fan-out is bound by memory latency, not work: each member's connection (and its room state) is out of
// cache by the time the next message comes, and the walk would wait on each in turn. So it asks for the
// connections a few members ahead, and for the room state once their connection has arrived.
constexpr size_t connection_ahead = 4, room_state_ahead = 2;
constexpr size_t connection_bytes = 512;  // a WebSocket connection with its shared_ptr block, about

void prefetch_connection(const Session* session) {
  const char* at = reinterpret_cast<const char*>(session);
  for (size_t offset = 0; offset < connection_bytes; offset += 64) __builtin_prefetch(at + offset);
}

void prefetch_room_state(const Session* session) {
  if (!session->rooms.empty()) __builtin_prefetch(&*session->rooms.begin());
}
}  // namespace

void Hub::deliver(const std::string& channel, std::span<const DeliveryPtr> deliveries) {
  const std::span<Session* const> members = this->members(channel);
  if (members.empty()) return;
  for (size_t i = 0; i < std::min(connection_ahead, members.size()); ++i) prefetch_connection(members[i]);
  uint64_t count = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    Session* session = members[i];
    if (i + connection_ahead < members.size()) prefetch_connection(members[i + connection_ahead]);
    if (i + room_state_ahead < members.size()) prefetch_room_state(members[i + room_state_ahead]);
    for (const DeliveryPtr& delivery : deliveries) {
      if (delivery->exclude_user != 0 && session->identity().user_id == delivery->exclude_user) continue;
      if (!delivery->exclude_connection.empty() && session->is_connection(delivery->exclude_connection))
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

std::vector<SessionPtr> Hub::sessions(const std::string& channel) {
  std::vector<SessionPtr> out;
  for (Session* s : members(channel)) out.push_back(s->shared_from_this());
  return out;
}

}  // namespace parley::chat

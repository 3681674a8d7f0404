#include "chat/room_order.hpp"

namespace parley::chat {

namespace {
// Pushes the waiting messages that now continue last_seq; drops waiting ones already covered.
void drain(Session& session, RoomState& state) {
  while (!state.pending.empty()) {
    auto first = state.pending.begin();
    if (first->first > state.last_seq + 1) return;
    if (first->first == state.last_seq + 1) {
      state.last_seq = first->first;
      if (first->second) session.push(first->second);
    }
    state.pending.erase(first);
  }
}
}  // namespace

Offer offer_room_message(Session& session, RoomState& state, const DeliveryPtr& d) {
  if (state.replaying) {
    // Bounded: a replay that cannot keep up with the live room is a slow reader; it resumes with `since`.
    if (state.held.size() >= max_waiting) session.close(4008, "too slow a reader");
    else state.held.push_back(d);
    return Offer::held_for_join;
  }
  if (d->seq <= state.last_seq) return Offer::duplicate;
  if (d->seq == state.last_seq + 1) {
    state.last_seq = d->seq;
    session.push(d);
    if (!state.pending.empty()) drain(session, state);
    return Offer::pushed;
  }
  if (state.pending.size() >= max_waiting) {
    session.close(4008, "too slow a reader");
    return Offer::held;
  }
  state.pending.emplace(d->seq, d);
  if (state.gap_fill_scheduled) return Offer::held;
  state.gap_fill_scheduled = true;
  return Offer::gap_opened;
}

bool fill_gap(Session& session, RoomState& state, const std::vector<DeliveryPtr>& from_store) {
  for (const auto& d : from_store) {
    if (d->seq != state.last_seq + 1) continue;
    state.last_seq = d->seq;
    auto waiting = state.pending.find(d->seq);
    const bool had_it = waiting != state.pending.end() && !waiting->second;  // its own message
    if (!had_it) session.push(d);
    drain(session, state);
  }
  drain(session, state);
  return !state.pending.empty();
}

void mark_delivered(Session& session, RoomState& state, int64_t seq) {
  if (seq <= state.last_seq) return;
  if (seq == state.last_seq + 1) {
    state.last_seq = seq;
    drain(session, state);
    return;
  }
  state.pending.emplace(seq, nullptr);
}

bool gap_still_open(RoomState& state) {
  if (!state.pending.empty()) return true;
  state.gap_fill_scheduled = false;
  return false;
}

void skip_gap(Session& session, RoomState& state) {
  while (!state.pending.empty()) {
    auto first = state.pending.begin();
    if (first->first > state.last_seq) {
      state.last_seq = first->first;
      if (first->second) session.push(first->second);
    }
    state.pending.erase(first);
  }
}

}  // namespace parley::chat

#pragma once
// Room order: every member sees each room message once, in seq order, with none lost, even when the
// cluster delivers them out of order (node B publishes seq N+1 before node A publishes N).
//
// Per connection and room (RoomState): last_seq is the highest seq pushed, with nothing missing below it.
// A message with seq == last_seq + 1 is pushed at once (the hot path: one compare). A later one opens a gap:
// it waits in `pending` while the gap is filled — by the missing message arriving, or, after a short wait,
// by reading the missing range from the Store (Node::fill_gap_later). Older or repeated seqs are dropped.
// Thread safety: functions over one session's state, on the session's loop.
#include <vector>

#include "chat/session.hpp"

namespace parley::chat {

// What offer_room_message did with a message.
enum class Offer {
  pushed,      // in order: pushed (and whatever was waiting behind it)
  duplicate,   // seq already pushed: dropped
  held,        // waits behind a gap that is already being filled
  gap_opened,  // waits behind a new gap: the caller must arrange a fill (Node::fill_gap_later)
  held_for_join,  // a join is replaying: kept until it finishes
};

// Offers one live room message (delivery->seq > 0) to a session. Closes the session (4008) when more than
// max_waiting messages would wait.
Offer offer_room_message(Session& session, RoomState& state, const DeliveryPtr& delivery);

// Pushes messages read from the store (ascending seq) that continue last_seq, then whatever was waiting
// behind them. Answers true while a gap remains (messages are still waiting).
bool fill_gap(Session& session, RoomState& state, const std::vector<DeliveryPtr>& from_store);

// Records that the connection has message `seq` without a push (its own direct message, answered by the
// reply): the order moves past it as if it had been pushed.
void mark_delivered(Session& session, RoomState& state, int64_t seq);

// After the batch in which `state` opened a gap has been handed out, replies included: true when the gap is
// still open (the caller must arrange a fill, Node::fill_gap_later); false when the batch itself closed it (a
// connection's own direct message N, answered by the batch's reply, after the other user's N+1 was pushed
// ahead of it), and then no fill is scheduled any more.
bool gap_still_open(RoomState& state);

// Gives up on the missing seqs below the first waiting message (the store does not have them): pushes
// every waiting message in order.
void skip_gap(Session& session, RoomState& state);

// How many seqs are missing between last_seq and the first waiting message (0: no gap). A gap fill reads
// them from last_seq + 1.
inline int64_t missing_count(const RoomState& state) {
  return state.pending.empty() ? 0 : state.pending.begin()->first - state.last_seq - 1;
}

inline constexpr size_t max_waiting = 10000;

}  // namespace parley::chat

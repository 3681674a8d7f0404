// Node: filling seq gaps of live room and conversation messages (room_order.hpp). Nodes publish a room's messages in seq
// order each, but two nodes appending to one room may publish N+1 before N, and a Redis outage loses what
// other nodes published meanwhile. A gap waits gap_wait for the missing messages, then reads them from the
// store, so every member gets each message once, in order.
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "chat/message_json.hpp"
#include "chat/node.hpp"
#include "chat/on_loop.hpp"
#include "chat/room_order.hpp"

namespace parley::chat {

namespace {
constexpr auto gap_wait = std::chrono::milliseconds(300);
constexpr int64_t max_gap_read = 500;
}  // namespace

void Node::fill_gap_later(const SessionPtr& s, const std::string& room) {
  auto timer = std::make_shared<boost::asio::steady_timer>(s->executor(), gap_wait);
  timer->async_wait([this, s, room, timer](boost::system::error_code ec) {
    if (ec || !s->is_open()) return;
    fill_gap_now(s, room);
  });
}

void Node::fill_gap_now(const SessionPtr& s, const std::string& room) {
  RoomState* found = s->order_state(room);
  if (found == nullptr) return;
  auto& state = *found;
  if (state.pending.empty()) {  // the missing messages arrived meanwhile
    state.gap_fill_scheduled = false;
    return;
  }
  int64_t after = state.last_seq;
  int limit = static_cast<int>(std::min(missing_count(state), max_gap_read));
  deps_.store->messages_after(room, after, limit, [this, s, room, after](core::Result<std::vector<store::StoredMessage>> page) {
    on_loop(s, [this, s, room, after, page = std::move(page)] {
      RoomState* found = s->order_state(room);
      if (found == nullptr) return;
      auto& state = *found;
      if (!page) {
        spdlog::warn("gap fill of {} after {}: {}; retrying", room, after, page.error().message);
        return fill_gap_later(s, room);
      }
      std::vector<DeliveryPtr> from_store;
      from_store.reserve(page->size());
      for (auto& m : *page) from_store.push_back(message_delivery(m));
      int64_t before = state.last_seq;
      if (!fill_gap(*s, state, from_store)) {
        state.gap_fill_scheduled = false;
        return;
      }
      if (state.last_seq == before) {
        // The store has nothing to fill it with: never stall the room on it.
        spdlog::warn("gap fill of {}: seq {}..{} not in the store; skipping", room, state.last_seq + 1,
                     state.pending.begin()->first - 1);
        skip_gap(*s, state);
        state.gap_fill_scheduled = false;
        return;
      }
      fill_gap_now(s, room);  // a longer gap: read the next page
    });
  });
}

}  // namespace parley::chat

#include "chat/node.hpp"

#include <boost/asio/post.hpp>
#include <boost/container/small_vector.hpp>
#include <algorithm>
#include <spdlog/spdlog.h>

#include "chat/channels.hpp"
#include "chat/delivery.hpp"
#include "chat/on_loop.hpp"
#include "chat/room_order.hpp"
#include "chat/unavailable.hpp"
#include "chat/validation.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"

namespace parley::chat {

namespace json = boost::json;
using core::ErrorCode;

Node::Node(NodeDeps deps)
    : deps_(std::move(deps)),
      user_caches_(deps_.loops.size()),
      event_budget_(deps_.limits.event_rate, deps_.limits.event_burst) {
  for (size_t i = 0; i < deps_.loops.size(); ++i) {
    inboxes_.push_back(std::make_unique<LoopInbox>());
    // A gap is settled once the whole batch is out (deliver_inbox): the batch's own replies often close it.
    hubs_.push_back(std::make_unique<Hub>([in = inboxes_.back().get()](Session& s, const std::string& room) {
      in->gaps.push_back({s.shared_from_this(), room});
    }));
  }
}

void Node::start() {
  deps_.broker->set_handler(
      [this](std::string_view channel, std::string_view payload) { on_broker_message(channel, payload); });
  // Changes nobody announced (cluster presence): users whose last connection in a room went with a dead node,
  // and joins and leaves Redis could only record after an outage: tell the room.
  deps_.presence->set_membership_handler([this](const std::string& scope, const cluster::Member& m, bool joined) {
    if (!scope.empty()) announce_membership(scope, Identity{m.user_id, m.username}, joined);
  });
}

ConnectionId Node::next_connection_id() {
  return {deps_.node_id, next_connection_.fetch_add(1, std::memory_order_relaxed)};
}

// Decodes once, then hands the same Delivery to each loop that has sessions in the channel.
void Node::on_broker_message(std::string_view channel, std::string_view payload) {
  auto decoded = decode_envelope(payload);
  if (!decoded) {
    spdlog::warn("dropping a malformed broker message on {}", channel);
    return;
  }
  dispatch(channel, std::make_shared<const Delivery>(std::move(*decoded)));
}

void Node::dispatch(std::string_view channel, const DeliveryPtr& delivery) {
  core::metrics().broker_received.fetch_add(1, std::memory_order_relaxed);
  std::string name(channel);
  boost::container::small_vector<size_t, 8> targets;
  {
    std::lock_guard lock(channels_mutex_);
    auto loops = loops_of(name);
    if (!loops) return;
    for_each_loop(*loops, [&targets](size_t loop) { targets.push_back(loop); });
  }
  for (size_t loop : targets) {
    if (inboxes_[loop]->inbox.add(name, delivery))
      boost::asio::post(deps_.loops[loop], [this, loop] { deliver_inbox(loop); });
  }
}

void Node::dispatch(std::span<const std::string> channels, const DeliveryPtr& delivery) {
  if (channels.size() == 1) return dispatch(channels.front(), delivery);
  core::metrics().broker_received.fetch_add(channels.size(), std::memory_order_relaxed);
  // (loop, channel index), in channel order.
  boost::container::small_vector<std::pair<size_t, size_t>, 8> targets;
  {
    std::lock_guard lock(channels_mutex_);
    for (size_t i = 0; i < channels.size(); ++i) {
      auto loops = loops_of(channels[i]);
      if (!loops) continue;
      for_each_loop(*loops, [&targets, i](size_t loop) { targets.emplace_back(loop, i); });
    }
  }
  // Each loop's entries in one go, in channel order.
  for (size_t first = 0; first < targets.size(); ++first) {
    const size_t loop = targets[first].first;
    if (loop == SIZE_MAX) continue;  // handed over with an earlier loop's entries
    boost::container::small_vector<Inbox::Entry, 4> entries;
    for (size_t t = first; t < targets.size(); ++t) {
      if (targets[t].first != loop) continue;
      entries.push_back({channels[targets[t].second], delivery});
      targets[t].first = SIZE_MAX;
    }
    if (inboxes_[loop]->inbox.add(std::span(entries)))
      boost::asio::post(deps_.loops[loop], [this, loop] { deliver_inbox(loop); });
  }
}

void Node::send_reply_later(SentReply reply) {
  const size_t loop = reply.session->loop_index();
  if (inboxes_[loop]->inbox.add(std::move(reply)))
    boost::asio::post(deps_.loops[loop], [this, loop] { deliver_inbox(loop); });
}

void Node::deliver_inbox(size_t loop) {
  LoopInbox& in = *inboxes_[loop];
  in.inbox.take(in.batch, in.replies);
  if (!in.batch.empty()) {
    in.groups.regroup(in.batch);
    for (size_t g = 0; g < in.groups.size(); ++g) hubs_[loop]->deliver(in.groups.channel(g), in.groups.deliveries(g));
    in.groups.clear();
    in.batch.clear();
  }
  // After the pushes, as when each reply was posted on its own after its message's publish.
  for (SentReply& reply : in.replies) answer_sender(reply, in.reply_json);
  in.replies.clear();
  // A gap that opened because the other user's message N+1 came before this connection's reply to its own N
  // is closed by now: only the others need the store.
  for (LoopInbox::Gap& gap : in.gaps) {
    RoomState* state = gap.session->order_state(gap.room);
    if (state != nullptr && gap_still_open(*state)) fill_gap_later(gap.session, gap.room);
  }
  in.gaps.clear();
}

std::optional<Node::LoopSet> Node::loops_of(const std::string& channel) {
  uint64_t* low = nullptr;
  if (const int64_t user = user_of_channel(channel)) {
    auto it = user_channels_.find(user);
    if (it != user_channels_.end()) low = &it->second;
  } else if (auto it = channels_.find(channel); it != channels_.end()) {
    low = &it->second;
  }
  if (low == nullptr) return std::nullopt;
  std::vector<bool>* high = nullptr;
  if (!high_loops_.empty())
    if (auto it = high_loops_.find(channel); it != high_loops_.end()) high = &it->second;
  return LoopSet{low, high};
}

void Node::subscribe_local(Session& session, const std::string& channel) {
  size_t loop = session.loop_index();
  if (!hubs_[loop]->add(channel, &session)) return;
  hub_channels_.fetch_add(1, std::memory_order_relaxed);
  bool first = false;
  {
    std::lock_guard lock(channels_mutex_);
    const int64_t user = user_of_channel(channel);
    uint64_t& low = user ? user_channels_[user] : channels_[channel];
    first = low == 0 && (high_loops_.empty() || !high_loops_.contains(channel));
    if (loop < 64) {
      low |= uint64_t{1} << loop;
    } else {
      auto& high = high_loops_[channel];
      high.resize(hubs_.size() - 64);
      high[loop - 64] = true;
    }
  }
  if (first) deps_.broker->subscribe(channel);
}

void Node::unsubscribe_local(Session& session, const std::string& channel) {
  size_t loop = session.loop_index();
  if (!hubs_[loop]->remove(channel, &session)) return;
  hub_channels_.fetch_sub(1, std::memory_order_relaxed);
  bool last = false;
  {
    std::lock_guard lock(channels_mutex_);
    auto loops = loops_of(channel);
    if (!loops) return;
    if (loop < 64) {
      *loops->low &= ~(uint64_t{1} << loop);
    } else if (loops->high) {
      (*loops->high)[loop - 64] = false;
      if (std::none_of(loops->high->begin(), loops->high->end(), [](bool b) { return b; })) {
        high_loops_.erase(channel);
        loops->high = nullptr;
      }
    }
    last = *loops->low == 0 && loops->high == nullptr;
    if (last) {
      if (const int64_t user = user_of_channel(channel)) user_channels_.erase(user);
      else channels_.erase(channel);
    }
  }
  if (last) deps_.broker->unsubscribe(channel);
}

Node::StateCounts Node::state_counts() const {
  StateCounts c;
  c.sessions = session_count();
  {
    std::lock_guard lock(channels_mutex_);
    c.channels = channels_.size() + user_channels_.size();
  }
  c.hub_channels = hub_channels_.load(std::memory_order_relaxed);
  c.presence = deps_.presence->entries();
  c.budget_buckets = event_budget_.bucket_count();
  c.rate_buckets = deps_.rate_limit ? deps_.rate_limit->buckets() : 0;
  for (const UserCache& cache : user_caches_) c.cached_users += cache.size();
  return c;
}

void Node::publish_envelope(const std::string& channel, const EnvelopeFields& fields) {
  publish_envelope(std::span(&channel, 1), fields);
}

void Node::publish_envelope(std::span<const std::string> channels, const EnvelopeFields& fields) {
  core::metrics().broker_published.fetch_add(channels.size(), std::memory_order_relaxed);
  if (deps_.broker->in_process()) {
    dispatch(channels, make_delivery(fields));
    return;
  }
  const std::string envelope = encode_envelope(fields);
  for (const std::string& channel : channels) {
    if (fields.seq > 0) deps_.broker->publish_sequenced(channel, envelope);
    else deps_.broker->publish(channel, envelope);
  }
}

void Node::attach(const SessionPtr& session) {
  sessions_.fetch_add(1, std::memory_order_relaxed);
  subscribe_local(*session, user_channel(session->identity().user_id));
  subscribe_local(*session, all_channel);
  const auto& who = session->identity();
  deps_.presence->join("", {who.user_id, who.username}, session->connection_id(), [](auto) {});
}

void Node::detach(const SessionPtr& session) {
  sessions_.fetch_sub(1, std::memory_order_relaxed);
  while (!session->rooms.empty()) leave_room(session, session->rooms.begin()->first, true);
  unsubscribe_local(*session, user_channel(session->identity().user_id));
  unsubscribe_local(*session, all_channel);
  deps_.presence->leave("", session->identity().user_id, session->connection_id(), [](auto) {});
}

struct Node::EventHandler {
  std::string_view event;
  bool budgeted;  // spends from the per-user event budget (message sends have their own limit)
  void (*handle)(Node& node, const SessionPtr& s, const protocol::Request& req);
};

// Every client event and what answers it (the initializer is in Node's scope: its lambdas reach private members).
#define PARLEY_EVENT(name, call) \
  EventHandler { name, true, [](Node& node, const SessionPtr& s, const protocol::Request& req) { node.call; } }
#define PARLEY_SEND(name, call) \
  EventHandler { name, false, [](Node& node, const SessionPtr& s, const protocol::Request& req) { node.call; } }
const Node::EventHandler Node::kEventHandlers[] = {
    PARLEY_EVENT("room:join", join_room(s, req)),
    PARLEY_EVENT("room:leave", leave_room_request(s, req)),
    PARLEY_EVENT("rooms:list", list_rooms(s, req)),
    PARLEY_EVENT("rooms:mine", list_my_rooms(s, req)),
    PARLEY_SEND("message:send", send_message(s, req)),
    PARLEY_SEND("message:private", send_private(s, req, false)),
    PARLEY_SEND("send_chat_message_to_participant", send_private(s, req, true)),
    PARLEY_EVENT("typing:start", typing(s, req, true)),
    PARLEY_EVENT("typing:stop", typing(s, req, false)),
    PARLEY_EVENT("presence:list", list_presence(s, req)),
    PARLEY_EVENT("history", read_history(s, req)),
    PARLEY_EVENT("dm:history", read_conversation(s, req)),
    PARLEY_EVENT("dm:list", list_conversations(s, req)),
    PARLEY_EVENT("read:mark", mark_read(s, req)),
};
#undef PARLEY_EVENT
#undef PARLEY_SEND

void Node::handle(const SessionPtr& s, protocol::Request req) {
  core::metrics().messages_in.fetch_add(1, std::memory_order_relaxed);
  for (const EventHandler& handler : kEventHandlers) {
    if (handler.event != req.event) continue;
    if (handler.budgeted && !within_budget(s->identity().user_id)) {
      core::metrics().rate_limited.fetch_add(1, std::memory_order_relaxed);
      return s->reply_error(req, {ErrorCode::rate_limited, "too many requests; slow down"});
    }
    return handler.handle(*this, s, req);
  }
  s->reply_error(req, {ErrorCode::bad_request, "unknown event: " + req.event});
}

bool Node::within_budget(int64_t user_id) {
  const double now = core::monotonic_seconds();
  // Full buckets behave as new ones: forgetting them keeps the table to recently active users.
  event_budget_.prune_now_and_then(now);
  return event_budget_.try_acquire(user_id, now);
}

std::vector<std::string_view> Node::client_events() {
  std::vector<std::string_view> names;
  for (const EventHandler& handler : kEventHandlers) names.push_back(handler.event);
  return names;
}

void Node::leave_room_request(const SessionPtr& s, const protocol::Request& req) {
  auto room = room_field(req.data);
  if (!room) return s->reply_error(req, room.error());
  leave_room(s, *room, true);
  deps_.store->leave_room(s->identity().user_id, *room,
                          [s, req = protocol::Request{req.event, nullptr, req.id}, room = *room](auto left) {
                            on_loop(s, [s, req, room, left = std::move(left)] {
                              if (!left) return s->reply_error(req, unavailable("the room was not left", left.error()));
                              s->reply_ok(req, json::serialize(json::object{{"room", room}}));
                            });
                          });
}

core::Result<core::Unit> Node::publish(const json::value& to, std::string_view event, const json::value& data) {
  if (!is_valid_event_name(event)) return core::Error{ErrorCode::bad_request, "event must be 1-64 printable characters"};
  if (!to.is_object()) return core::Error{ErrorCode::bad_request, "to must be an object"};
  const auto& target = to.as_object();
  std::string channel;
  if (auto* user = target.if_contains("user")) {
    const int64_t id = user_id_value(*user);
    if (id <= 0) return core::Error{ErrorCode::bad_request, "to.user must be a user id"};
    channel = user_channel(id);
  } else if (auto* room = target.if_contains("room")) {
    if (!room->is_string() || !is_valid_room_name(room->as_string()))
      return core::Error{ErrorCode::bad_request, "to.room must be a room name"};
    channel = room_channel(room->as_string());
  } else if (auto* all = target.if_contains("all"); all && all->is_bool() && all->as_bool()) {
    channel = all_channel;
  } else {
    return core::Error{ErrorCode::bad_request, "to must be {user}, {room} or {all:true}"};
  }
  std::string data_json = json::serialize(data);
  publish_envelope(channel, {.event = event, .data_json = data_json});
  return core::Unit{};
}

void Node::close_all(uint16_t code, std::string_view reason) {
  for (size_t loop = 0; loop < hubs_.size(); ++loop) {
    boost::asio::post(deps_.loops[loop], [this, loop, code, reason = std::string(reason)] {
      for (auto& s : hubs_[loop]->sessions(all_channel)) s->close(code, reason);
    });
  }
}

}  // namespace parley::chat

// Node: room membership, presence and typing (docs/protocol.md §3: room:join, room:leave, rooms:list,
// rooms:mine, presence:list, typing:*; pushes user:joined / user:left).
#include <spdlog/spdlog.h>

#include "chat/channels.hpp"
#include "chat/delivery.hpp"
#include "chat/message_json.hpp"
#include "chat/node.hpp"
#include "chat/on_loop.hpp"
#include "chat/unavailable.hpp"
#include "chat/validation.hpp"
#include "core/clock.hpp"

namespace parley::chat {

namespace json = boost::json;
using core::ErrorCode;

namespace {
constexpr int replay_page_size = 500;
}  // namespace

void Node::announce_membership(const std::string& room, const Identity& who, bool joined) {
  std::string data = json::serialize(json::object{
      {"room", room}, {"userId", who.user_id}, {"username", who.username}, {"ts", core::now_ms()}});
  publish_envelope(room_channel(room), {.event = joined ? "user:joined" : "user:left",
                                        .data_json = data,
                                        .exclude_user = who.user_id});
}

// Joins at once (live messages are held from here on), then reads lastSeq and, with `since`, replays what
// was missed before releasing the held live messages: every message once, in seq order, no gap.
void Node::join_room(const SessionPtr& s, const protocol::Request& req) {
  auto room = room_field(req.data);
  if (!room) return s->reply_error(req, room.error());
  auto since = optional_int_field(req.data, "since");
  if (!since) return s->reply_error(req, since.error());

  auto [it, fresh] = s->rooms.try_emplace(*room);
  it->second.replaying = true;
  if (fresh) {
    subscribe_local(*s, room_channel(*room));
    const auto& who = s->identity();
    deps_.presence->join(*room, {who.user_id, who.username}, s->connection_id(),
                         [this, room = *room, who](core::Result<bool> first) {
                           if (first.ok() && *first) announce_membership(room, who, true);
                         });
  }
  // The store adds the room to the user's rooms (rooms:mine) and answers its last seq and the user's read seq.
  deps_.store->join_room(s->identity().user_id, *room, deps_.limits.max_rooms_per_user,
                         [this, s, req, room = *room, since = *since](core::Result<store::RoomJoin> joined) {
                           on_loop(s, [this, s, req, room, since, joined = std::move(joined)] {
                             if (!joined) {
                               leave_room(s, room, true);
                               if (joined.error().code == ErrorCode::forbidden) return s->reply_error(req, joined.error());
                               return s->reply_error(req, unavailable("the store did not answer", joined.error()));
                             }
                             finish_join(s, req, room, since, *joined);
                           });
                         });
}

void Node::finish_join(const SessionPtr& s, const protocol::Request& req, const std::string& room,
                       std::optional<int64_t> since, store::RoomJoin joined) {
  auto it = s->rooms.find(room);
  if (it == s->rooms.end()) return;  // left meanwhile
  const int64_t last_seq = joined.last_seq;
  deps_.presence->counts({room}, [this, s, req, room, joined](core::Result<std::vector<int64_t>> counts) {
    int64_t members = counts.ok() && !counts->empty() ? counts->front() : 0;
    on_loop(s, [s, req, room, joined, members] {
      s->reply_ok(req, json::serialize(json::object{{"room", room},
                                                    {"members", members},
                                                    {"lastSeq", joined.last_seq},
                                                    {"readSeq", joined.read_seq}}));
    });
  });
  auto release = [this, s, room] {
    auto it = s->rooms.find(room);
    if (it == s->rooms.end()) return;
    auto& state = it->second;
    state.replaying = false;
    auto held = std::move(state.held);
    state.held.clear();
    for (auto& d : held)
      if (push_room_message(*s, d)) fill_gap_later(s, room);
  };
  // Without `since`, everything published after the join began is live and is pushed, so a client that
  // joins and then sends at once sees its own message (lastSeq may already count it): the order starts
  // below the first held message, or at lastSeq.
  if (!since) {
    int64_t start = last_seq;
    for (auto& d : it->second.held) start = std::min(start, d->seq - 1);
    it->second.last_seq = std::max<int64_t>(start, 0);
    return release();
  }
  it->second.last_seq = *since;
  replay_page(s, room, *since, last_seq, release);
}

// Pushes stored messages with seq in (after, last_seq], one page at a time, then calls done.
void Node::replay_page(const SessionPtr& s, const std::string& room, int64_t after, int64_t last_seq,
                       std::function<void()> done) {
  if (after >= last_seq) return done();
  deps_.store->messages_after(
      room, after, replay_page_size,
      [this, s, room, last_seq, done](core::Result<std::vector<store::StoredMessage>> page) mutable {
        on_loop(s, [this, s, room, last_seq, done, page = std::move(page)]() mutable {
          if (!page || page->empty()) return done();
          auto messages = std::make_shared<std::vector<store::StoredMessage>>(std::move(*page));
          push_replay(s, room, messages, 0, last_seq, std::move(done));
        });
      });
}

// Pushes messages[from..] while the connection's queue has room; waits for it to drain when it has not, so
// a long replay never trips the slow-reader limit. Then reads the next page.
void Node::push_replay(const SessionPtr& s, const std::string& room,
                       std::shared_ptr<std::vector<store::StoredMessage>> messages, size_t from, int64_t last_seq,
                       std::function<void()> done) {
  auto it = s->rooms.find(room);
  if (it == s->rooms.end()) return;
  const size_t pace = deps_.limits.send_queue_bytes / 2;
  for (size_t i = from; i < messages->size(); ++i) {
    if (s->queued_bytes() > pace) {
      return s->when_drained(pace / 2, [this, s, room, messages, i, last_seq, done]() mutable {
        push_replay(s, room, messages, i, last_seq, std::move(done));
      });
    }
    const auto& m = (*messages)[i];
    if (m.seq <= it->second.last_seq) continue;
    it->second.last_seq = m.seq;
    s->push(make_delivery(message_event(m), message_data_json(m)));
  }
  if (messages->size() < static_cast<size_t>(replay_page_size)) return done();
  replay_page(s, room, messages->back().seq, last_seq, std::move(done));
}

void Node::leave_room(const SessionPtr& s, std::string room, bool announce) {
  auto it = s->rooms.find(room);
  if (it == s->rooms.end()) return;
  s->rooms.erase(it);
  unsubscribe_local(*s, room_channel(room));
  const Identity who = s->identity();
  deps_.presence->leave(room, who.user_id, s->connection_id(), [this, room, who, announce](core::Result<bool> last) {
    if (announce && last.ok() && *last) announce_membership(room, who, false);
  });
}

// typing:start / typing:stop {room} to the room's other users, or {with | withUsername} to that user's
// connections (a direct conversation); never to the typist's own.
void Node::typing(const SessionPtr& s, const protocol::Request& req, bool start) {
  const char* event = start ? "typing:user:start" : "typing:user:stop";
  const int64_t me = s->identity().user_id;
  if (const auto* data = req.data.if_object(); data && !data->contains("room") &&
                                               (data->contains("with") || data->contains("withUsername"))) {
    return with_user(
        s, req.data, "with", "withUsername",
        [this, s, req = protocol::Request{req.event, nullptr, req.id}, event, me](const store::User& to) {
          publish_envelope(user_channel(to.id),
                           {.event = event,
                            .data_json = json::serialize(json::object{{"with", me}, {"userId", me}}),
                            .exclude_user = me});
          s->reply_ok(req, "{}");
        },
        req);
  }
  auto room = room_field(req.data);
  if (!room) return s->reply_error(req, room.error());
  if (!s->rooms.contains(*room)) return s->reply_error(req, {ErrorCode::forbidden, "join the room first"});
  std::string data = json::serialize(json::object{{"room", *room}, {"userId", me}});
  publish_envelope(room_channel(*room), {.event = event, .data_json = data, .exclude_user = me});
  s->reply_ok(req, "{}");
}

// presence:list {room?, after?, limit?}: who is online, by user id; at most `limit` (1-100, default 100) with
// ids above `after` (a user id) per page.
void Node::list_presence(const SessionPtr& s, const protocol::Request& req) {
  std::string scope;
  if (req.data.is_object() && req.data.as_object().contains("room")) {
    auto room = room_field(req.data);
    if (!room) return s->reply_error(req, room.error());
    scope = *room;
  }
  auto after = optional_int_field(req.data, "after");
  if (!after) return s->reply_error(req, after.error());
  auto page = page_fields(req.data);
  if (!page) return s->reply_error(req, page.error());
  deps_.presence->members(scope, [s, req, after = after->value_or(0), limit = page->limit](
                                     core::Result<std::vector<cluster::Member>> members) {
    on_loop(s, [s, req, after, limit, members = std::move(members)]() mutable {
      if (!members) return s->reply_error(req, unavailable("presence was not read", members.error()));
      std::sort(members->begin(), members->end(), [](const auto& a, const auto& b) { return a.user_id < b.user_id; });
      json::array list;
      for (auto& m : *members) {
        if (m.user_id <= after) continue;
        if (static_cast<int>(list.size()) == limit) break;
        list.push_back(json::object{{"userId", m.user_id}, {"username", m.username}});
      }
      s->reply_ok(req, json::serialize(list));
    });
  });
}

void Node::room_summaries(std::string after, int limit,
                          std::function<void(core::Result<std::vector<RoomSummary>>)> done) {
  deps_.store->list_rooms(std::move(after), limit, [this, done](core::Result<std::vector<std::string>> rooms) {
    if (!rooms) return done(rooms.error());
    deps_.presence->counts(*rooms, [rooms, done](core::Result<std::vector<int64_t>> counts) {
      if (!counts) return done(counts.error());
      std::vector<RoomSummary> out;
      for (size_t i = 0; i < rooms->size(); ++i) out.push_back({(*rooms)[i], (*counts)[i]});
      done(std::move(out));
    });
  });
}

// rooms:list {after?, limit?}: a page of rooms by name (limit 1-100, default 100); the next page starts after
// the last name.
void Node::list_rooms(const SessionPtr& s, const protocol::Request& req) {
  auto page = page_fields(req.data);
  if (!page) return s->reply_error(req, page.error());
  room_summaries(page->after, page->limit, [s, req](core::Result<std::vector<RoomSummary>> rooms) {
    on_loop(s, [s, req, rooms = std::move(rooms)] {
      if (!rooms) return s->reply_error(req, unavailable("rooms were not read", rooms.error()));
      json::array list;
      for (auto& r : *rooms) list.push_back(json::object{{"name", r.name}, {"members", r.members}});
      s->reply_ok(req, json::serialize(list));
    });
  });
}

void Node::list_my_rooms(const SessionPtr& s, const protocol::Request& req) {
  deps_.store->user_rooms(s->identity().user_id, [this, s, req](core::Result<std::vector<store::ReadState>> rooms) {
    if (!rooms) {
      return on_loop(s, [s, req, error = unavailable("your rooms were not read", rooms.error())] {
        s->reply_error(req, error);
      });
    }
    std::vector<std::string> names;
    for (const auto& r : *rooms) names.push_back(r.room);
    deps_.presence->counts(names, [s, req, rooms = std::move(*rooms)](core::Result<std::vector<int64_t>> counts) {
      json::array list;
      for (size_t i = 0; i < rooms.size(); ++i) {
        const auto& r = rooms[i];
        const int64_t members = counts.ok() && i < counts->size() ? (*counts)[i] : 0;
        list.push_back(json::object{{"name", r.room}, {"members", members}, {"lastSeq", r.last_seq},
                                    {"readSeq", r.read_seq}, {"unread", r.unread}});
      }
      on_loop(s, [s, req, body = json::serialize(list)] { s->reply_ok(req, body); });
    });
  });
}

}  // namespace parley::chat

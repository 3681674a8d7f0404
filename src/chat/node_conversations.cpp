// Node: direct conversations and read markers (docs/protocol.md §8: dm:history, dm:list, read:mark; pushes
// read:marked). A conversation is stored as a room keyed by the pair (store.hpp), so its history reads the
// room's; message:private itself is in node_messages.cpp.
#include <fmt/format.h>

#include "chat/channels.hpp"
#include "chat/message_json.hpp"
#include "chat/node.hpp"
#include "chat/on_loop.hpp"
#include "chat/unavailable.hpp"
#include "chat/validation.hpp"

namespace parley::chat {

namespace json = boost::json;
using core::ErrorCode;

namespace {

constexpr int default_page = 50, max_page = 100;

protocol::Request reply_handle(const protocol::Request& req) { return {req.event, nullptr, req.id}; }

// Answers `req` with a store read's JSON, or with unavailable.
auto reply_with(const SessionPtr& s, const protocol::Request& req, std::string_view what) {
  return [s, req = reply_handle(req), what = std::string(what)](core::Result<std::string> body) {
    on_loop(s, [s, req, what, body = std::move(body)] {
      if (!body) return s->reply_error(req, unavailable(what, body.error()));
      s->reply_ok(req, *body);
    });
  };
}

}  // namespace

// dm:history {with | withUsername, since?, before?, limit?}
void Node::read_conversation(const SessionPtr& s, const protocol::Request& req) {
  auto since = optional_int_field(req.data, "since");
  if (!since) return s->reply_error(req, since.error());
  auto before = optional_int_field(req.data, "before");
  if (!before) return s->reply_error(req, before.error());
  auto limit = optional_int_field(req.data, "limit");
  if (!limit) return s->reply_error(req, limit.error());
  const int n = static_cast<int>(std::clamp<int64_t>(limit->value_or(default_page), 1, max_page));
  with_user(
      s, req.data, "with", "withUsername",
      [this, s, req = reply_handle(req), since = *since, before = *before, n](const store::User& with) {
        const std::string key = store::conversation_key(s->identity().user_id, with.id);
        auto answer = [done = reply_with(s, req, "the conversation was not read")](
                          core::Result<std::vector<store::StoredMessage>> page) {
          if (!page) return done(page.error());
          done(messages_json(*page));
        };
        if (since) return deps_.store->messages_after(key, *since, n, answer);
        deps_.store->messages_before(key, before, n, answer);
      },
      req);
}

// dm:list: [{with:{id,username}, lastSeq, readSeq, unread, last}], newest first. The connection orders each
// listed conversation from its lastSeq on (as a join does a room), so a later message out of order is held
// for the one before it instead of being taken as the first.
void Node::list_conversations(const SessionPtr& s, const protocol::Request& req) {
  deps_.store->conversations(s->identity().user_id, [s, req = reply_handle(req)](
                                                        core::Result<std::vector<store::Conversation>> list) {
    on_loop(s, [s, req, list = std::move(list)] {
      if (!list) return s->reply_error(req, unavailable("your conversations were not read", list.error()));
      std::string body = "[";
      for (const store::Conversation& c : *list) {
        s->conversations.try_emplace(c.state.room, RoomState{.last_seq = c.state.last_seq});
        if (body.size() > 1) body += ',';
        body += R"({"with":{"id":)" + std::to_string(c.with.id) + R"(,"username":)";
        protocol::append_json_string(body, c.with.username);
        body += fmt::format(R"(}},"lastSeq":{},"readSeq":{},"unread":{},"last":)", c.state.last_seq,
                            c.state.read_seq, c.state.unread);
        body += message_data_json(c.last);
        body += '}';
      }
      body += ']';
      s->reply_ok(req, body);
    });
  });
}

// read:mark {room, seq} | {with, seq}: the marker never moves back and stops at the last seq; the user's other
// connections, on every node, hear read:marked with the marker stored.
void Node::mark_read(const SessionPtr& s, const protocol::Request& req) {
  const json::object* data = req.data.if_object();
  const json::value* seq_value = data ? data->if_contains("seq") : nullptr;
  if (!seq_value || !seq_value->is_int64() || seq_value->as_int64() < 0)
    return s->reply_error(req, {ErrorCode::bad_request, "seq must be a non-negative integer"});
  const int64_t seq = seq_value->as_int64();
  const int64_t me = s->identity().user_id;
  // Stores the marker of `key`, then tells the user's other connections with `field` (a room name or the
  // other user's id, as given).
  auto mark = [this, s, req = reply_handle(req), seq, me](std::string key, json::object field) {
    deps_.store->mark_read(me, key, seq, [this, s, req, me, field](core::Result<int64_t> marked) mutable {
      if (marked) {
        field["seq"] = *marked;
        publish_envelope(user_channel(me), {.event = "read:marked",
                                            .data_json = json::serialize(field),
                                            .exclude_connection = s->connection_id()});
      }
      on_loop(s, [s, req, marked = std::move(marked)] {
        if (!marked) return s->reply_error(req, unavailable("the read marker was not stored", marked.error()));
        s->reply_ok(req, "{}");
      });
    });
  };
  if (data->contains("room")) {
    auto room = room_field(req.data);
    if (!room) return s->reply_error(req, room.error());
    return mark(*room, json::object{{"room", *room}});
  }
  if (!data->contains("with")) return s->reply_error(req, {ErrorCode::bad_request, "room or with is required"});
  with_user(
      s, req.data, "with", "",
      [s, mark, me](const store::User& with) { mark(store::conversation_key(me, with.id), json::object{{"with", with.id}}); },
      req);
}

}  // namespace parley::chat

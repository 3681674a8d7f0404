// Node: messages (docs/protocol.md §3: message:send, message:private and its alias, history).
#include <fmt/format.h>

#include <iterator>
#include <optional>

#include "chat/delivery.hpp"
#include "chat/message_json.hpp"
#include "chat/node.hpp"
#include "chat/on_loop.hpp"
#include "chat/validation.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"

namespace parley::chat {

namespace json = boost::json;
using core::ErrorCode;

namespace {
constexpr size_t max_client_msg_id_bytes = 128;

// What a reply needs of a request (event and id), without its data: continuations capture this, not a copy
// of the whole JSON document.
protocol::Request reply_handle(const protocol::Request& req) { return {req.event, nullptr, req.id}; }

void answer_rate(const SessionPtr& s, const protocol::Request& req, bool allowed, const std::function<void()>& then) {
  if (allowed) return then();
  core::metrics().rate_limited.fetch_add(1, std::memory_order_relaxed);
  s->reply_error(req, {ErrorCode::rate_limited, "too many messages; slow down"});
}

// {"id":ID,"ts":TS}: the reply to a sent message, with its seq for a room message.
std::string sent_reply(std::string_view id, std::optional<int64_t> seq, int64_t ts) {
  std::string out = R"({"id":)";
  protocol::append_json_string(out, id);
  if (seq) fmt::format_to(std::back_inserter(out), R"(,"seq":{})", *seq);
  fmt::format_to(std::back_inserter(out), R"(,"ts":{}}})", ts);
  return out;
}

// The message:received data, serialized once by hand (the same text as message_json, without the DOM).
std::string received_json(const store::StoredMessage& m) {
  std::string out;
  out.reserve(m.text.size() + m.id.size() + m.room.size() + m.from_name.size() + m.client_msg_id.size() + 96);
  out += R"({"id":)";
  protocol::append_json_string(out, m.id);
  out += R"(,"room":)";
  protocol::append_json_string(out, m.room);
  fmt::format_to(std::back_inserter(out), R"(,"seq":{},"from":{{"id":{},"username":)", m.seq, m.from_id);
  protocol::append_json_string(out, m.from_name);
  out += R"(},"text":)";
  protocol::append_json_string(out, m.text);
  fmt::format_to(std::back_inserter(out), R"(,"ts":{})", m.ts);
  if (!m.client_msg_id.empty()) {
    out += R"(,"clientMsgId":)";
    protocol::append_json_string(out, m.client_msg_id);
  }
  out += '}';
  return out;
}
}  // namespace

// Checked last, after every other validation, so a refused message costs no token. On the session's loop.
void Node::with_rate_token(const SessionPtr& s, const protocol::Request& req, std::function<void()> then) {
  // A node-local limiter answers inline: then the work runs now, with no hop through the loop's queue. The
  // marker tells an inline answer (same thread, still inside try_acquire) from one on another thread.
  thread_local const void* answering_inline = nullptr;
  const int marker = 0;
  answering_inline = &marker;
  deps_.rate_limit->try_acquire(
      s->identity().user_id, [s, req = reply_handle(req), then = std::move(then), key = &marker](bool allowed) {
        if (answering_inline == key) {
          answering_inline = nullptr;
          return answer_rate(s, req, allowed, then);
        }
        on_loop(s, [s, req, allowed, then] { answer_rate(s, req, allowed, then); });
      });
  answering_inline = nullptr;
}

void Node::send_message(const SessionPtr& s, const protocol::Request& req) {
  auto room = room_field(req.data);
  if (!room) return s->reply_error(req, room.error());
  auto text = text_field(req.data, "text", deps_.limits.max_text_chars);
  if (!text) return s->reply_error(req, text.error());
  auto client_msg_id = optional_string_field(req.data, "clientMsgId", max_client_msg_id_bytes);
  if (!client_msg_id) return s->reply_error(req, client_msg_id.error());
  if (!s->rooms.contains(*room)) return s->reply_error(req, {ErrorCode::forbidden, "join the room first"});

  store::NewMessage m;
  m.room = std::move(*room);
  m.from_id = s->identity().user_id;
  m.from_name = s->identity().username;
  m.text = std::move(*text);
  m.client_msg_id = std::move(*client_msg_id);
  with_rate_token(s, req, [this, s, req = reply_handle(req), m = std::move(m)]() mutable {
    store_message(s, req, std::move(m));
  });
}

void Node::store_message(const SessionPtr& s, const protocol::Request& req, store::NewMessage m) {
  m.ts = core::now_ms();
  m.id = fmt::format("{}-{:x}-{:x}", deps_.node_id, m.ts, next_message_.fetch_add(1, std::memory_order_relaxed));
  double started = core::monotonic_seconds();
  // The callback runs on the store thread in seq order per room: publishing here keeps the room ordered.
  deps_.store->append_message(std::move(m), [this, s, req = reply_handle(req), started](
                                                core::Result<store::StoredMessage> stored) {
    core::metrics().store_latency.observe(core::monotonic_seconds() - started);
    if (!stored) {
      return on_loop(s, [s, req, error = stored.error()] {
        s->reply_error(req, {ErrorCode::unavailable, "the message was not stored: " + error.message});
      });
    }
    core::metrics().messages_stored.fetch_add(1, std::memory_order_relaxed);
    std::string data = received_json(*stored);
    publish_envelope("room:" + stored->room,
                     {.event = "message:received", .data_json = data, .room = stored->room, .seq = stored->seq});
    on_loop(s, [s, req, reply = sent_reply(stored->id, stored->seq, stored->ts)] { s->reply_ok(req, reply); });
  });
}

// message:private {to | toUsername, text, clientMsgId?}; alias send_chat_message_to_participant
// {participantId, message}.
void Node::send_private(const SessionPtr& s, const protocol::Request& req, bool alias) {
  auto text = text_field(req.data, alias ? "message" : "text", deps_.limits.max_text_chars);
  if (!text) return s->reply_error(req, text.error());
  auto client_msg_id = optional_string_field(req.data, "clientMsgId", max_client_msg_id_bytes);
  if (!client_msg_id) return s->reply_error(req, client_msg_id.error());
  const json::object& data = req.data.as_object();  // text_field succeeded, so data is an object
  const json::value* to = data.if_contains(alias ? "participantId" : "to");
  const json::value* to_name = alias ? nullptr : data.if_contains("toUsername");

  UserCache& cache = user_caches_[s->loop_index()];
  // On the session's loop, with the recipient found (or not).
  auto send_to = [this, s, req = reply_handle(req), text = std::move(*text), cmid = std::move(*client_msg_id)](
                     const core::Result<store::User>& user) {
    if (!user) return s->reply_error(req, {ErrorCode::not_found, "no such user"});
    with_rate_token(s, req, [this, s, req, to = *user, text, cmid] { deliver_private(s, req, to, text, cmid); });
  };
  // From a store thread: back to the loop, remembering the user there.
  auto found = [this, s, send_to](core::Result<store::User> user) {
    on_loop(s, [this, s, send_to, user = std::move(user)] {
      if (user) user_caches_[s->loop_index()].remember(*user);
      send_to(user);
    });
  };
  if (to && !to->is_null()) {
    int64_t id = 0;
    if (to->is_int64()) id = to->as_int64();
    else if (to->is_uint64()) id = static_cast<int64_t>(to->as_uint64());
    else if (to->is_string()) {
      try { id = std::stoll(std::string(to->as_string())); } catch (...) { id = 0; }
    }
    if (id <= 0) return s->reply_error(req, {ErrorCode::bad_request, "to must be a user id"});
    if (auto known = cache.by_id(id)) return send_to(*known);
    return deps_.store->find_user_by_id(id, found);
  }
  if (to_name && to_name->is_string()) {
    if (auto known = cache.by_name(to_name->as_string())) return send_to(*known);
    return deps_.store->find_user(std::string(to_name->as_string()),
                                  [found](core::Result<store::UserCredentials> c) {
                                    if (!c) return found(c.error());
                                    found(c->user);
                                  });
  }
  s->reply_error(req, {ErrorCode::bad_request, alias ? "participantId is required" : "to or toUsername is required"});
}

void Node::deliver_private(const SessionPtr& s, const protocol::Request& req, const store::User& to,
                           std::string text, std::string client_msg_id) {
  const auto& from = s->identity();
  int64_t ts = core::now_ms();
  std::string id = fmt::format("{}-{:x}-{:x}", deps_.node_id, ts, next_message_.fetch_add(1, std::memory_order_relaxed));
  // {id, from:{id,username}, to, text, ts, clientMsgId?}, serialized by hand (no JSON DOM per message).
  std::string data;
  data.reserve(text.size() + id.size() + from.username.size() + client_msg_id.size() + 96);
  data += R"({"id":)";
  protocol::append_json_string(data, id);
  fmt::format_to(std::back_inserter(data), R"(,"from":{{"id":{},"username":)", from.user_id);
  protocol::append_json_string(data, from.username);
  fmt::format_to(std::back_inserter(data), R"(}},"to":{},"text":)", to.id);
  protocol::append_json_string(data, text);
  fmt::format_to(std::back_inserter(data), R"(,"ts":{})", ts);
  if (!client_msg_id.empty()) {
    data += R"(,"clientMsgId":)";
    protocol::append_json_string(data, client_msg_id);
  }
  data += '}';
  EnvelopeFields fields{.event = "message:private:received", .data_json = data,
                        .exclude_connection = s->connection_id()};
  publish_envelope("user:" + std::to_string(to.id), fields);
  if (to.id != from.user_id) publish_envelope("user:" + std::to_string(from.user_id), fields);
  s->reply_ok(req, sent_reply(id, std::nullopt, ts));
}

void Node::history(const std::string& room, std::optional<int64_t> before, int limit,
                   std::function<void(core::Result<std::string>)> done) {
  deps_.store->messages_before(room, before, limit,
                               [done](core::Result<std::vector<store::StoredMessage>> messages) {
                                 if (!messages) return done(messages.error());
                                 done(messages_json(*messages));
                               });
}

void Node::read_history(const SessionPtr& s, const protocol::Request& req) {
  auto room = room_field(req.data);
  if (!room) return s->reply_error(req, room.error());
  auto before = optional_int_field(req.data, "before");
  if (!before) return s->reply_error(req, before.error());
  auto limit = optional_int_field(req.data, "limit");
  if (!limit) return s->reply_error(req, limit.error());
  int n = static_cast<int>(std::clamp<int64_t>(limit->value_or(50), 1, 100));
  history(*room, *before, n, [s, req](core::Result<std::string> json) {
    on_loop(s, [s, req, json = std::move(json)] {
      if (!json) return s->reply_error(req, {ErrorCode::unavailable, json.error().message});
      s->reply_ok(req, *json);
    });
  });
}

}  // namespace parley::chat

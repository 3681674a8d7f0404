// Node: messages (docs/protocol.md §3: message:send, message:private and its alias, history).

#include <iterator>
#include <optional>

#include "chat/channels.hpp"
#include "chat/delivery.hpp"
#include "chat/message_json.hpp"
#include "chat/node.hpp"
#include "chat/on_loop.hpp"
#include "chat/room_order.hpp"
#include "chat/unavailable.hpp"
#include "chat/validation.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"

namespace parley::chat {

namespace json = boost::json;
using core::ErrorCode;

namespace {

// What a reply needs of a request (event and id), without its data: continuations capture this, not a copy
// of the whole JSON document.
protocol::Request reply_handle(const protocol::Request& req) { return {req.event, nullptr, req.id}; }

void refuse_rate(const SessionPtr& s, const protocol::Request& req) {
  core::metrics().rate_limited.fetch_add(1, std::memory_order_relaxed);
  s->reply_error(req, {ErrorCode::rate_limited, "too many messages; slow down"});
}

// {"id":ID,"seq":SEQ,"ts":TS}: the reply to a sent message (and to its resends); a direct message's also
// names the recipient ("to"), so a client that addressed it by username learns the id.
void write_sent_reply(std::string& out, const SentReply& r) {
  out = R"({"id":)";
  protocol::append_json_string(out, r.message_id);
  out += R"(,"seq":)";
  protocol::append_int(out, r.seq);
  out += R"(,"ts":)";
  protocol::append_int(out, r.ts);
  if (r.to != 0) {
    out += R"(,"to":)";
    protocol::append_int(out, r.to);
  }
  out += '}';
}

// The id of the user data[id_key] (a user id) or data[name_key] (a username) names, read as with_user reads
// them, when `cache` knows that user; nothing otherwise (with_user then answers: a store read, or an error).
// A direct message to a known user (nearly every one) so skips wrapping its work in a std::function.
std::optional<int64_t> cached_user_id(const UserCache& cache, const json::value& data, std::string_view id_key,
                                      std::string_view name_key) {
  const json::object* object = data.if_object();
  if (object == nullptr) return std::nullopt;
  const json::value* id = object->if_contains(id_key);
  if (id && !id->is_null()) {
    const int64_t user_id = user_id_value(*id);
    if (user_id > 0 && cache.knows(user_id)) return user_id;
    return std::nullopt;
  }
  const json::value* name = name_key.empty() ? nullptr : object->if_contains(name_key);
  if (name && name->is_string())
    if (auto known = cache.by_name(name->as_string())) return known->id;
  return std::nullopt;
}

}  // namespace

// Checked last, after every other validation, so a refused message costs no token. On the session's loop; a
// limiter that answers at once (the node-local one) costs no hop through the loop's queue.
void Node::store_within_rate(const SessionPtr& s, const protocol::Request& req, store::NewMessage&& m) {
  const int64_t user_id = s->identity().user_id;
  if (std::optional<bool> allowed = deps_.rate_limit->try_acquire_now(user_id)) {
    if (*allowed) return store_message(s, req, std::move(m));
    return refuse_rate(s, req);
  }
  deps_.rate_limit->try_acquire(user_id, [this, s, req = reply_handle(req), m = std::move(m)](bool allowed) mutable {
    on_loop(s, [this, s, req, allowed, m = std::move(m)]() mutable {
      if (allowed) return store_message(s, req, std::move(m));
      refuse_rate(s, req);
    });
  });
}

void Node::send_message(const SessionPtr& s, const protocol::Request& req) {
  auto room = room_field(req.data);
  if (!room) return s->reply_error(req, room.error());
  auto text = text_field(req.data, "text", deps_.limits.max_text_chars);
  if (!text) return s->reply_error(req, text.error());
  auto client_msg_id = client_msg_id_field(req.data);
  if (!client_msg_id) return s->reply_error(req, client_msg_id.error());
  if (!s->rooms.contains(*room)) return s->reply_error(req, {ErrorCode::forbidden, "join the room first"});

  store::NewMessage m;
  m.room = std::move(*room);
  m.from_id = s->identity().user_id;
  m.from_name = s->identity().username;
  m.text = std::move(*text);
  m.client_msg_id = std::move(*client_msg_id);
  store_within_rate(s, req, std::move(m));
}

// Stores the message (a room's, or a conversation's when m.room is a conversation key), then publishes it and
// answers the sender. A resend of a clientMsgId is answered with the first message's reply, and nothing is
// stored or pushed again.
void Node::store_message(const SessionPtr& s, const protocol::Request& req, store::NewMessage&& m) {
  m.ts = core::now_ms();
  m.id.reserve(deps_.node_id.size() + 24);  // "<node>-<ts hex>-<counter hex>"
  m.id = deps_.node_id;
  m.id += '-';
  protocol::append_int(m.id, m.ts, 16);
  m.id += '-';
  protocol::append_int(m.id, static_cast<int64_t>(next_message_.fetch_add(1, std::memory_order_relaxed)), 16);
  if (!m.client_msg_id.empty()) prune_idempotency_keys_now_and_then(m.ts);
  double started = core::monotonic_seconds();
  // The callback runs on the store thread in seq order per room: publishing here keeps the room ordered.
  deps_.store->append_message(std::move(m), [this, s, req = reply_handle(req), started](
                                                core::Result<store::StoredMessage> stored) mutable {
    core::metrics().store_latency.observe(core::monotonic_seconds() - started);
    if (!stored) {
      return on_loop(s, [s, req, error = unavailable("the message was not stored", stored.error())] {
        s->reply_error(req, error);
      });
    }
    const auto pair = store::conversation_users(stored->room);
    if (!stored->replayed) {
      core::metrics().messages_stored.fetch_add(1, std::memory_order_relaxed);
      publish_message(*stored, s->connection_id(), pair);
    }
    send_reply_later({.session = s,
                      .request = std::move(req),
                      .message_id = std::move(stored->id),
                      .room = std::move(stored->room),
                      .seq = stored->seq,
                      .ts = stored->ts,
                      .to = !pair ? 0 : stored->from_id == pair->first ? pair->second : pair->first});
  });
}

void Node::answer_sender(SentReply& reply, std::string& json) {
  Session& s = *reply.session;
  if (!s.is_open()) return;
  write_sent_reply(json, reply);
  s.reply_ok(reply.request, json);
  // The sender's own connection gets the reply instead of the push: it has that message of the conversation.
  if (reply.to != 0) {
    auto [state, fresh] = s.conversations.try_emplace(std::move(reply.room), RoomState{.last_seq = reply.seq});
    if (!fresh) mark_delivered(s, state->second, reply.seq);
  }
}

// A room message to the room's channel; a direct one to both users' channels, except the sending connection.
void Node::publish_message(const store::StoredMessage& m, std::string_view sender_connection,
                           const std::optional<std::pair<int64_t, int64_t>>& pair) {
  const std::string data = message_data_json(m, pair);
  EnvelopeFields fields{.event = message_event(m), .data_json = data, .room = m.room, .seq = m.seq};
  if (!pair) return publish_envelope(room_channel(m.room), fields);
  fields.exclude_connection = sender_connection;
  const std::string channels[] = {user_channel(pair->first), user_channel(pair->second)};
  publish_envelope(std::span(channels, pair->first == pair->second ? 1 : 2), fields);
}

void Node::prune_idempotency_keys_now_and_then(int64_t now_ms) {
  constexpr int64_t every_ms = 10 * 60 * 1000;
  int64_t due = next_key_prune_ms_.load(std::memory_order_relaxed);
  if (now_ms < due || !next_key_prune_ms_.compare_exchange_strong(due, now_ms + every_ms)) return;
  deps_.store->prune_idempotency_keys(now_ms - store::kIdempotencyWindowMs, [](core::Result<int64_t> pruned) {
    if (!pruned) unavailable("pruning idempotency keys", pruned.error());
  });
}

void Node::with_user(const SessionPtr& s, const json::value& data, std::string_view id_key,
                     std::string_view name_key, std::function<void(const store::User&)> then,
                     const protocol::Request& req) {
  const json::object* object = data.if_object();
  const json::value* id = object ? object->if_contains(id_key) : nullptr;
  const json::value* name = object && !name_key.empty() ? object->if_contains(name_key) : nullptr;
  const UserCache& cache = user_caches_[s->loop_index()];
  // A user this loop has met is answered at once. Only one it has not costs a store read, and only then is
  // `then` wrapped to wait for it (it holds the request's work, a direct message's text included: moved, never
  // copied).
  auto after_store_read = [&] {
    return [this, s, req = reply_handle(req), then = std::move(then)](core::Result<store::User> user) mutable {
      on_loop(s, [this, s, req = std::move(req), then = std::move(then), user = std::move(user)] {
        if (!user) {
          if (user.error().code == ErrorCode::not_found) return s->reply_error(req, {ErrorCode::not_found, "no such user"});
          return s->reply_error(req, unavailable("the user was not looked up", user.error()));
        }
        user_caches_[s->loop_index()].remember(*user);
        then(*user);
      });
    };
  };
  if (id && !id->is_null()) {
    const int64_t user_id = user_id_value(*id);
    if (user_id <= 0) return s->reply_error(req, {ErrorCode::bad_request, std::string(id_key) + " must be a user id"});
    if (auto known = cache.by_id(user_id)) return then(*known);
    return deps_.store->find_user_by_id(user_id, after_store_read());
  }
  if (name && name->is_string()) {
    if (auto known = cache.by_name(name->as_string())) return then(*known);
    return deps_.store->find_user(std::string(name->as_string()),
                                  [found = after_store_read()](core::Result<store::UserCredentials> c) mutable {
                                    if (!c) return found(c.error());
                                    found(std::move(c->user));
                                  });
  }
  s->reply_error(req, {ErrorCode::bad_request, name_key.empty() ? std::string(id_key) + " is required"
                                                                : std::string(id_key) + " or " +
                                                                      std::string(name_key) + " is required"});
}

// message:private {to | toUsername, text, clientMsgId?}; alias send_chat_message_to_participant
// {participantId, message}. Stored in the pair's conversation before the reply, like a room message.
void Node::send_private(const SessionPtr& s, const protocol::Request& req, bool alias) {
  auto text = text_field(req.data, alias ? "message" : "text", deps_.limits.max_text_chars);
  if (!text) return s->reply_error(req, text.error());
  auto client_msg_id = client_msg_id_field(req.data);
  if (!client_msg_id) return s->reply_error(req, client_msg_id.error());
  store::NewMessage m;
  m.from_id = s->identity().user_id;
  m.from_name = s->identity().username;
  m.text = std::move(*text);
  m.client_msg_id = std::move(*client_msg_id);
  const std::string_view id_key = alias ? "participantId" : "to", name_key = alias ? "" : "toUsername";
  if (auto to = cached_user_id(user_caches_[s->loop_index()], req.data, id_key, name_key)) {
    m.room = store::conversation_key(m.from_id, *to);
    return store_within_rate(s, req, std::move(m));
  }
  with_user(s, req.data, id_key, name_key,
            [this, s, req = reply_handle(req), m = std::move(m)](const store::User& to) mutable {
              m.room = store::conversation_key(m.from_id, to.id);
              store_within_rate(s, req, std::move(m));
            },
            req);
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
      if (!json) return s->reply_error(req, unavailable("history was not read", json.error()));
      s->reply_ok(req, *json);
    });
  });
}

}  // namespace parley::chat

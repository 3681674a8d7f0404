#pragma once
// Node: the chat domain of one Parley process. It answers every client event of docs/protocol.md §3, keeps the
// per-loop Hubs, and is the only place that talks to Store, Broker and Presence for real-time traffic.
//
// Life of a room message: handle(message:send) on the sender's loop -> validate, rate limit ->
// Store::append_message (store thread; committed) -> Broker::publish("room:<r>", envelope) from the store
// callback, so a room is published in seq order -> on_broker_message decodes the envelope once into a
// Delivery (both wire encodings; a single node with the in-process broker makes the Delivery at once, with no
// envelope) -> dispatch: the Inbox of every loop that has members -> Hub::deliver pushes the
// same buffer to each local member -> the sender's reply {id, seq, ts} goes to its loop's Inbox too.
//
// Thread safety: handle/attach/detach are called on the session's own loop. publish() and the HTTP helpers
// may be called from any thread. Channel reference counts are guarded by one mutex (joins are rare).
#include <boost/asio/any_io_executor.hpp>
#include <boost/json.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <atomic>
#include <bit>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/hub.hpp"
#include "chat/inbox.hpp"
#include "chat/rate_limiter.hpp"
#include "cluster/rate_limit.hpp"
#include "chat/session.hpp"
#include "chat/user_cache.hpp"
#include "cluster/broker.hpp"
#include "cluster/presence.hpp"
#include "core/config.hpp"
#include "protocol/native.hpp"
#include "store/store.hpp"

namespace parley::chat {

struct NodeDeps {
  std::string node_id;
  core::Limits limits;
  store::Store* store = nullptr;
  cluster::Broker* broker = nullptr;
  cluster::Presence* presence = nullptr;
  cluster::RateLimit* rate_limit = nullptr;
  std::vector<boost::asio::any_io_executor> loops;  // one per event loop; index = Session::loop_index()
};

struct RoomSummary {
  std::string name;
  int64_t members = 0;
};

class Node {
 public:
  explicit Node(NodeDeps deps);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Installs the broker's message handler and presence's membership handler (changes nobody announced: a
  // dead node's users, joins and leaves recorded after a Redis outage). Call once, before serving. The "all"
  // channel is subscribed like any other, by the first session attached (attach()), not here.
  void start();

  // A new cluster-unique connection id ("<node>:<n>").
  ConnectionId next_connection_id();
  // Registers an authenticated, open session (on its loop): its user channel and the "all" channel, presence.
  void attach(const SessionPtr& session);
  // Unregisters a closed session (on its loop): leaves its rooms (user:left), presence, channels.
  void detach(const SessionPtr& session);
  // Answers one client request (on the session's loop); an event not in client_events() is bad_request.
  void handle(const SessionPtr& session, protocol::Request request);
  // The names of the client events handle() answers, in docs/protocol.md §3's order (a test compares the two).
  static std::vector<std::string_view> client_events();
  // Takes one request from the user's event budget; false when it is spent (the caller answers rate_limited).
  bool within_budget(int64_t user_id);

  // Server-side emit (§5): to = {"user":ID} | {"room":NAME} | {"all":true}.
  core::Result<core::Unit> publish(const boost::json::value& to, std::string_view event,
                                   const boost::json::value& data);
  // A page of rooms (names after `after`, at most `limit`) with their cluster-wide member counts; `done` runs
  // on a store/presence thread.
  void room_summaries(std::string after, int limit, std::function<void(core::Result<std::vector<RoomSummary>>)> done);
  // History of a room as the {messages:[...]} JSON; `done` runs on a store thread.
  void history(const std::string& room, std::optional<int64_t> before, int limit,
               std::function<void(core::Result<std::string>)> done);
  // Closes every session on every loop with `code` (shutdown: 1001).
  void close_all(uint16_t code, std::string_view reason);
  // Open sessions on this node.
  int64_t session_count() const { return sessions_.load(std::memory_order_relaxed); }
  // What the node holds per user and per membership, for /metrics: every figure returns to its baseline once
  // the users have gone (issue #16: per-user state is bounded).
  struct StateCounts {
    int64_t sessions = 0;
    size_t channels = 0;         // channels with local sessions (broker subscriptions on a cluster)
    int64_t hub_channels = 0;    // the loops' Hub entries
    size_t presence = 0;         // presence entries held in this process
    size_t budget_buckets = 0;   // the per-user event budget's buckets
    size_t rate_buckets = 0;     // the message rate limit's buckets held here (node-local limiter)
    size_t cached_users = 0;     // user cache entries (DM recipients), over every loop
  };
  StateCounts state_counts() const;

 private:
  // One row of the dispatch table handle() walks (node.cpp).
  struct EventHandler;
  static const EventHandler kEventHandlers[];

  void on_broker_message(std::string_view channel, std::string_view payload);
  // Hands `delivery` to the inbox of every loop with sessions in `channel` (from any thread).
  void dispatch(std::string_view channel, const DeliveryPtr& delivery);
  // The same for several channels (a DM's two users): one look-up under the channels' lock for all of them,
  // and one inbox lock per loop for all its entries.
  void dispatch(std::span<const std::string> channels, const DeliveryPtr& delivery);
  // Hands `reply` to the inbox of the sender's loop (from the store's writer).
  void send_reply_later(SentReply reply);
  // On the loop: hands everything in its inbox to its Hub, a channel at a time, then answers the senders.
  void deliver_inbox(size_t loop);
  void subscribe_local(Session& session, const std::string& channel);
  void unsubscribe_local(Session& session, const std::string& channel);
  // Publishes one push to `channel` (or to each of `channels`, encoded once). With an in-process broker the
  // push goes straight to this node's subscribers, without the envelope's encoding and decoding.
  void publish_envelope(const std::string& channel, const struct EnvelopeFields& fields);
  void publish_envelope(std::span<const std::string> channels, const struct EnvelopeFields& fields);

  void join_room(const SessionPtr& s, const protocol::Request& req);
  void finish_join(const SessionPtr& s, const protocol::Request& req, const std::string& room,
                   std::optional<int64_t> since, store::RoomJoin joined);
  void replay_page(const SessionPtr& s, const std::string& room, int64_t after, int64_t last_seq,
                   std::function<void()> done);
  // Takes the room by value: callers pass keys of the map it erases from.
  void push_replay(const SessionPtr& s, const std::string& room,
                   std::shared_ptr<std::vector<store::StoredMessage>> messages, size_t from, int64_t last_seq,
                   std::function<void()> done);
  void leave_room(const SessionPtr& s, std::string room, bool announce);
  // room:leave: leaves on this connection and removes the room from the user's rooms.
  void leave_room_request(const SessionPtr& s, const protocol::Request& req);
  void list_my_rooms(const SessionPtr& s, const protocol::Request& req);
  // node_conversations.cpp: dm:history, dm:list, read:mark.
  void read_conversation(const SessionPtr& s, const protocol::Request& req);
  void list_conversations(const SessionPtr& s, const protocol::Request& req);
  void mark_read(const SessionPtr& s, const protocol::Request& req);
  // Runs `then` on the session's loop with the user data[id_key] (a user id) or data[name_key] (a username;
  // none when empty) names; answers not_found / bad_request to `req` itself.
  void with_user(const SessionPtr& s, const boost::json::value& data, std::string_view id_key,
                 std::string_view name_key, std::function<void(const store::User&)> then,
                 const protocol::Request& req);
  void send_message(const SessionPtr& s, const protocol::Request& req);
  void send_private(const SessionPtr& s, const protocol::Request& req, bool alias);
  void deliver_private(const SessionPtr& s, const protocol::Request& req, const store::User& to,
                       std::string text, std::string client_msg_id);
  void typing(const SessionPtr& s, const protocol::Request& req, bool start);
  void list_presence(const SessionPtr& s, const protocol::Request& req);
  void list_rooms(const SessionPtr& s, const protocol::Request& req);
  void read_history(const SessionPtr& s, const protocol::Request& req);
  // Stores `m` (store_message) if the user may send now; answers rate_limited otherwise.
  void store_within_rate(const SessionPtr& s, const protocol::Request& req, store::NewMessage&& m);
  void store_message(const SessionPtr& s, const protocol::Request& req, store::NewMessage&& m);
  // On the sender's loop: answers a stored message's sender (if still connected); `json` is scratch.
  static void answer_sender(SentReply& reply, std::string& json);
  // From the store callback of a new message: to its room, or to both users of its conversation.
  // `pair` is store::conversation_users(m.room), parsed once by the caller.
  void publish_message(const store::StoredMessage& m, std::string_view sender_connection,
                       const std::optional<std::pair<int64_t, int64_t>>& pair);
  // Every ten minutes or so (on a send with a clientMsgId), forgets idempotency keys past their window.
  void prune_idempotency_keys_now_and_then(int64_t now_ms);
  void announce_membership(const std::string& room, const Identity& who, bool joined);
  // A room message opened a seq gap for the session: waits briefly for the missing ones, then reads them
  // from the store (node_gaps.cpp). On the session's loop.
  void fill_gap_later(const SessionPtr& s, const std::string& room);
  void fill_gap_now(const SessionPtr& s, const std::string& room);

  NodeDeps deps_;
  std::vector<std::unique_ptr<Hub>> hubs_;  // one per loop
  // Per loop: deliveries from other threads, and the scratch deliver_inbox() reuses for each batch.
  struct LoopInbox {
    Inbox inbox;
    std::vector<Inbox::Entry> batch;
    std::vector<SentReply> replies;
    ChannelGroups groups;
    std::string reply_json;  // scratch for each reply's JSON
    // Gaps the batch opened, settled after its replies (a connection's own reply may close one).
    struct Gap {
      SessionPtr session;
      std::string room;
    };
    std::vector<Gap> gaps;
  };
  std::vector<std::unique_ptr<LoopInbox>> inboxes_;
  std::vector<UserCache> user_caches_;      // one per loop: DM recipients (size() read by state_counts())
  // The loops with at least one local session in a channel: a bit per loop for loops 0-63 in the channel's
  // entry (8 bytes), and on nodes with more loops the others in high_loops_.
  struct LoopSet {
    uint64_t* low;                  // the entry's bits
    std::vector<bool>* high;        // loops 64 and up, or null
  };
  // The channel's loops, or nothing when no local session is in it. Under channels_mutex_.
  std::optional<LoopSet> loops_of(const std::string& channel);
  // Calls fn(loop) for each loop of `loops`.
  template <class Fn>
  static void for_each_loop(const LoopSet& loops, Fn&& fn) {
    for (uint64_t bits = *loops.low; bits != 0; bits &= bits - 1) fn(static_cast<size_t>(std::countr_zero(bits)));
    if (loops.high)
      for (size_t i = 0; i < loops.high->size(); ++i)
        if ((*loops.high)[i]) fn(64 + i);
  }

  mutable std::mutex channels_mutex_;
  // Channels with local sessions: rooms and "all" by name; users' channels ("user:<id>", one per connected
  // user) by id in a flat table, 16 bytes each. Fan-out goes to the loops whose bits are set.
  std::unordered_map<std::string, uint64_t> channels_;
  boost::unordered_flat_map<int64_t, uint64_t> user_channels_;
  std::unordered_map<std::string, std::vector<bool>> high_loops_;  // loops 64 and up, by channel
  std::atomic<int64_t> hub_channels_{0};  // the Hubs' channel entries, summed over loops
  std::atomic<uint64_t> next_connection_{1};
  std::atomic<uint64_t> next_message_{1};
  std::atomic<int64_t> sessions_{0};
  std::atomic<int64_t> next_key_prune_ms_{0};
  // Every request but message sends (which have the cluster-wide message limit) spends from this per-user
  // budget; pruned of full buckets now and then (RateLimiter::prune_now_and_then).
  RateLimiter event_budget_;
};


}  // namespace parley::chat

#pragma once
// Store: the durable state of Parley (users, rooms, messages with a per-room seq).
//
// Contract for every implementation (sqlite, postgres):
// - Every method is asynchronous and returns at once; it never blocks the calling thread on I/O.
// - Callbacks run on a store-owned thread, never on the caller's thread. A caller that owns an event loop
//   posts back to it. Callbacks must be quick (no blocking I/O) because they delay later store work.
// - append_message: the message is committed (durable) before its callback runs. Callbacks of
//   append_message for the same room run in seq order, so a caller that publishes from inside the callback
//   publishes a room's messages in seq order.
// - seq is per room, starts at 1 and strictly increases by 1 with every appended message of that room.
// - A direct conversation is stored as a room named conversation_key(a, b) (below): the same seq, appends,
//   history and gap fills. Its first message also records the conversation for both users (conversations()).
// - Idempotency: an append whose client_msg_id the same from_id used in the last kIdempotencyWindowMs (in any
//   room or conversation) stores nothing; its callback gets the message stored the first time, `replayed` set.
//   The check and the append are one transaction, so two concurrent resends store the message once.
// - flush() blocks until all work queued before it has completed; used at shutdown only.
// Thread safety: all methods may be called from any thread concurrently.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace parley::store {

struct User {
  int64_t id = 0;
  std::string username;
};

struct UserCredentials {
  User user;
  std::string password_hash;  // libsodium crypto_pwhash_str (argon2id) string
};

struct NewMessage {
  std::string id;  // unique cluster-wide, chosen by the caller
  std::string room;
  int64_t from_id = 0;
  std::string from_name;
  std::string text;
  int64_t ts = 0;  // ms since the epoch
  std::string client_msg_id;  // empty when the client sent none
};

struct StoredMessage {
  std::string id;
  std::string room;
  int64_t seq = 0;
  int64_t from_id = 0;
  std::string from_name;
  std::string text;
  int64_t ts = 0;
  std::string client_msg_id;
  bool replayed = false;  // an append that repeated a clientMsgId: this is the message stored the first time
};

// A direct conversation's key: "dm:<lower id>:<higher id>". Room names never contain ':', so keys and room
// names never collide.
std::string conversation_key(int64_t a, int64_t b);
inline bool is_conversation(std::string_view key) { return key.starts_with("dm:"); }
// The two users of a conversation key (lower id first); nullopt for anything else.
std::optional<std::pair<int64_t, int64_t>> conversation_users(std::string_view key);

// How long a clientMsgId keeps answering with its first message.
inline constexpr int64_t kIdempotencyWindowMs = 24LL * 3600 * 1000;

// What a user's join of a room answers: the room's last seq and how far the user has read it.
struct RoomJoin {
  int64_t last_seq = 0;
  int64_t read_seq = 0;
};

// A room or conversation as one user sees it: `unread` counts the messages of other users past read_seq.
struct ReadState {
  std::string room;  // a room name or a conversation key
  int64_t last_seq = 0;
  int64_t read_seq = 0;
  int64_t unread = 0;
};

struct Conversation {
  User with;            // the other user (the user themself in a conversation with oneself)
  ReadState state;      // state.room is the conversation key
  StoredMessage last;   // the newest message
};

template <class T>
using Callback = std::function<void(core::Result<T>)>;

class Store {
 public:
  virtual ~Store() = default;

  // Creates a user; conflict if the name is taken.
  virtual void create_user(std::string username, std::string password_hash, Callback<User> done) = 0;
  // Finds a user and their password hash by name; not_found if absent.
  virtual void find_user(std::string username, Callback<UserCredentials> done) = 0;
  // Finds a user by id; not_found if absent.
  virtual void find_user_by_id(int64_t id, Callback<User> done) = 0;

  // Creates the room if it does not exist yet; answers the room's last seq (0 when it has no message).
  virtual void ensure_room(std::string room, Callback<int64_t> done) = 0;
  // Up to `limit` room names after `after` (all from the first when empty), by name ascending: a page.
  virtual void list_rooms(std::string after, int limit, Callback<std::vector<std::string>> done) = 0;

  // Appends a message to its room (creating the room if needed), assigning the next seq. See contract above.
  // The message id is the caller's, unique by construction (node id, time, counter): the store does not check it.
  virtual void append_message(NewMessage message, Callback<StoredMessage> done) = 0;
  // Adds the room to the user's rooms (creating the room if needed); answers its last seq and the user's read
  // seq. Reads only, when both exist already. A user who has created `max_created` rooms already (0: no
  // limit) cannot create another: forbidden.
  virtual void join_room(int64_t user_id, std::string room, int64_t max_created, Callback<RoomJoin> done) = 0;
  // Removes the room from the user's rooms (nothing to do when it is not there).
  virtual void leave_room(int64_t user_id, std::string room, Callback<core::Unit> done) = 0;
  // The user's rooms (joined from any connection and not left), by name.
  virtual void user_rooms(int64_t user_id, Callback<std::vector<ReadState>> done) = 0;
  // The user's conversations, the one with the newest last message first.
  virtual void conversations(int64_t user_id, Callback<std::vector<Conversation>> done) = 0;
  // Moves the user's read marker of a room or conversation to `seq`, clamped to its last seq; never back.
  // Answers the marker now stored.
  virtual void mark_read(int64_t user_id, std::string room, int64_t seq, Callback<int64_t> done) = 0;
  // Forgets the idempotency keys recorded before `cutoff_ms`; answers how many.
  virtual void prune_idempotency_keys(int64_t cutoff_ms, Callback<int64_t> done) = 0;

  // Up to `limit` messages with seq < before (the newest ones when before is empty), ascending by seq.
  virtual void messages_before(std::string room, std::optional<int64_t> before, int limit,
                               Callback<std::vector<StoredMessage>> done) = 0;
  // Up to `limit` messages with seq > after, ascending by seq.
  virtual void messages_after(std::string room, int64_t after, int limit,
                              Callback<std::vector<StoredMessage>> done) = 0;

  // Answers the value kept under `name`, first storing `value_if_absent` there when nothing is. Atomic for
  // every process sharing the store: the first value stored wins and every later call answers it. For
  // settings the nodes of a cluster must agree on, such as the token signing secret.
  virtual void keep_setting(std::string name, std::string value_if_absent, Callback<std::string> done) = 0;

  // Answers once the store can serve a trivial query; its latency is measured by the caller.
  virtual void ping(Callback<core::Unit> done) = 0;
  // Blocks until everything queued before has completed. Shutdown only.
  virtual void flush() = 0;
};

}  // namespace parley::store

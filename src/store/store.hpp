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
// - flush() blocks until all work queued before it has completed; used at shutdown only.
// Thread safety: all methods may be called from any thread concurrently.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
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
  // Every room ever created, by name ascending.
  virtual void list_rooms(Callback<std::vector<std::string>> done) = 0;

  // Appends a message to its room (creating the room if needed), assigning the next seq. See contract above.
  virtual void append_message(NewMessage message, Callback<StoredMessage> done) = 0;
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

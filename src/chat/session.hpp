#pragma once
// Session: one authenticated real-time connection as the chat domain sees it, whatever its wire protocol
// (native WebSocket, Engine.IO/Socket.IO). The transport implements the virtual functions; the chat layer
// owns `rooms`.
// Thread safety: a Session lives on one event loop for life; every member is used on that loop only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/container/flat_map.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chat/connection_id.hpp"
#include "chat/delivery.hpp"
#include "chat/lazy.hpp"
#include "core/error.hpp"
#include "protocol/native.hpp"
#include "store/store.hpp"

namespace parley::chat {

struct Identity {
  int64_t user_id = 0;
  std::string username;
  int64_t expires_at = 0;  // seconds since the epoch (token exp)
};

// A connection's membership of one room (or its order state in a direct conversation). Kept small: one per
// membership of every idle connection; what waits is allocated only while something waits.
struct RoomState {
  int64_t last_seq = 0;              // highest seq pushed to this connection
  bool replaying = false;            // a join is reading the store: live messages wait in `held`
  bool gap_fill_scheduled = false;   // a gap fill is waiting or reading the store
  Lazy<std::vector<DeliveryPtr>> held{};
  // seq -> live message that arrived ahead of a gap (room_order.hpp); null for one this connection already
  // has otherwise (its own direct message, answered by the reply).
  Lazy<std::map<int64_t, DeliveryPtr>> pending{};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // Every loop is an io_context: its 8-byte executor rather than a 56-byte any_io_executor.
  using LoopExecutor = boost::asio::io_context::executor_type;

  Session(size_t loop_index, ConnectionId connection_id, Identity identity)
      : loop_index_(loop_index),
        connection_id_(connection_id),
        identity_(std::move(identity)) {}
  virtual ~Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Identity& identity() const { return identity_; }
  // "<node>:<n>", unique in the cluster.
  std::string connection_id() const { return connection_id_.str(); }
  // Whether `id` is this connection's id (no string is built).
  bool is_connection(std::string_view id) const { return connection_id_ == id; }
  size_t loop_index() const { return loop_index_; }
  // The executor of the session's loop (the transport keeps it: not stored twice per connection).
  virtual const LoopExecutor& executor() const = 0;

  // Queues one push. Never blocks and never closes synchronously: a full queue schedules a close.
  virtual void push(const DeliveryPtr& delivery) = 0;
  // Answers a request: a reply when it asked for one (native id / Socket.IO ack). Success without an id is
  // silent; an error without an id becomes an `error` push.
  virtual void reply_ok(const protocol::Request& request, std::string_view data_json) = 0;
  virtual void reply_error(const protocol::Request& request, const core::Error& error) = 0;
  // Closes the connection with a WebSocket close code (the transport maps it for other protocols).
  virtual void close(uint16_t code, std::string_view reason) = 0;
  virtual bool is_open() const = 0;
  // Bytes waiting in the outbound queue (a replay paces itself on this so it never trips the limit).
  virtual size_t queued_bytes() const = 0;
  // Runs `fn` on this loop once the outbound queue has drained to `threshold` bytes or fewer (at once if it
  // already has); never runs it if the connection closes first. One waiter at a time.
  virtual void when_drained(size_t threshold, std::function<void()> fn) = 0;

  // The rooms this connection has joined: a sorted vector (one block for all of them, 64 bytes a room), not a
  // tree with a block per room. Entries move when a room is added or removed: hold no reference across that.
  boost::container::flat_map<std::string, RoomState, std::less<>> rooms;
  // Direct conversations (by conversation key) this connection has seen a message of, or listed: their order
  // state. Not memberships: every connection of a user receives the user's direct messages.
  Lazy<std::map<std::string, RoomState, std::less<>>> conversations;

  // The order state of a room this connection is in, or of a conversation it has seen; null otherwise.
  RoomState* order_state(std::string_view key) {
    if (store::is_conversation(key)) {
      auto it = conversations.find(key);
      return it == conversations.end() ? nullptr : &it->second;
    }
    auto it = rooms.find(key);
    return it == rooms.end() ? nullptr : &it->second;
  }

 protected:
  // For a transport that learns who the user is after the connection opened (Socket.IO's CONNECT); only
  // before the session is attached to the node.
  void set_identity(Identity identity) { identity_ = std::move(identity); }

 private:
  size_t loop_index_;
  ConnectionId connection_id_;
  Identity identity_;
};

using SessionPtr = std::shared_ptr<Session>;

}  // namespace parley::chat

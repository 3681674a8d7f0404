#pragma once
// SocketIoConnection: a Socket.IO client whose Engine.IO session was born on a WebSocket (no long-polling
// first: `transports: ["websocket"]`, as most clients connect), served as one object like the native
// protocol's WsConnection: the WebSocket core (WsCore) moves the frames, this codec reads and writes Engine.IO
// packets on it (its heartbeat is the core's, with Engine.IO's "2"/"3"), handles Socket.IO's CONNECT, EVENT and
// DISCONNECT, and is the chat session itself (chat::Session). One block per connection instead of the three
// objects (Engine.IO session, WebSocket transport, chat session) and the sid registry entry a session that
// starts with long-polling needs for its upgrade (EngineSession, WsTransport, SocketIoHandler, ChatSession).
//
// It holds one chat session for its life: after the client leaves the main namespace (DISCONNECT "/") the
// Engine.IO session closes too, as socket.io-client's Manager does itself when its last namespace leaves;
// a second CONNECT while connected is refused (CONNECT_ERROR, code bad_request). It is never in the sid
// registry: a long-polling request naming its sid gets 400 "Session ID unknown". Conformance mode (the
// official suites' namespaces and echo events) uses the long-polling path's objects for every session.
// Thread safety: lives on one loop; every member function runs there.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "chat/node.hpp"
#include "chat/session.hpp"
#include "net/engineio/engine_session.hpp"
#include "net/engineio/pending_sessions.hpp"
#include "net/http_types.hpp"
#include "net/user_connections.hpp"
#include "net/ws_core.hpp"
#include "protocol/socketio.hpp"

namespace parley::net::engineio {

// What every SocketIoConnection of a Service shares; the Service owns it and outlives them.
struct SocketIoContext {
  chat::Node* node = nullptr;
  const Authenticator* authenticate = nullptr;
  const EngineSession::Config* config = nullptr;
  PendingSessions* pending = nullptr;  // counts connections until their CONNECT authenticates
  UserConnections* users = nullptr;    // null: no cap of connections per user
};

class SocketIoConnection final : public chat::Session, public WsCore {
 public:
  // `socket` is on the loop `loop_index`; the connection was counted in context.pending already.
  // `handshake_token`: a token found on the upgrade request (query, header), used when the CONNECT has none.
  SocketIoConnection(Socket socket, size_t loop_index, const SocketIoContext& context,
                     std::optional<std::string> handshake_token);
  ~SocketIoConnection() override;

  // Sends the Engine.IO handshake with `sid`, arms the connect timeout and the heartbeat, and starts reading;
  // `initial` holds bytes that arrived after the upgrade request.
  void start(std::string_view sid, std::string_view initial);

  // chat::Session
  const chat::Session::LoopExecutor& executor() const override { return core_executor(); }
  void push(const chat::DeliveryPtr& delivery) override;
  void reply_ok(const protocol::Request& request, std::string_view data_json) override;
  void reply_error(const protocol::Request& request, const core::Error& error) override;
  void close(uint16_t code, std::string_view reason) override;
  bool is_open() const override { return chat_open_ && !ws_closing(); }
  size_t queued_bytes() const override { return WsCore::queued_bytes(); }
  void when_drained(size_t threshold, std::function<void()> fn) override;

 private:
  // WsCore
  std::shared_ptr<WsCore> core_ptr() override {
    return std::static_pointer_cast<SocketIoConnection>(shared_from_this());
  }
  const Heartbeat& heartbeat() const override { return context_.config->heartbeat; }
  const std::string& delivery_frame(const chat::Delivery& d) const override { return d.socketio_ws_frame; }
  void on_text(std::string& payload) override;
  void on_binary(std::string& payload) override;
  void send_ping() override;
  void on_deadline() override;
  void on_written() override { notify_drained(); }
  void on_closing() override;
  void on_finished() override;

  // One Socket.IO packet (an Engine.IO message).
  void on_message(std::string_view data);
  void on_connect(const protocol::socketio::Packet& packet);
  void on_event(protocol::socketio::Packet& packet);
  // Queues a Socket.IO packet as an Engine.IO message.
  void send_message(std::string_view packet);
  void protocol_violation(std::string_view reason);
  void leave_pending();
  void detach();
  void notify_drained();

  // What only some connections need for a while, in one block made when needed: the upgrade request's token
  // (until a CONNECT authenticates), binary attachments still to skip (an event that carries some is refused
  // without buffering them), and a drain waiter (while a join replays).
  struct Cold {
    std::string handshake_token;
    size_t attachments_to_skip = 0;
    size_t drain_threshold = 0;
    std::function<void()> drained;
  };
  Cold& cold();
  void trim_cold();

  // Flags first: they fit in WsCore's tail padding.
  bool pending_ = true;           // counted in context_.pending
  bool connected_ = false;        // a CONNECT was accepted (the deadline is the token's from then on)
  bool chat_open_ = false;        // the chat session is open: pushes and replies go out
  bool attached_ = false;         // attached to the node
  bool user_counted_ = false;     // holds a place in context_.users
  bool socketio_counted_ = false; // in chat::count_socketio_sessions
  const SocketIoContext& context_;
  std::unique_ptr<Cold> cold_;
};

}  // namespace parley::net::engineio

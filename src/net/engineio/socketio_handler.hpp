#pragma once
// SocketIoHandler: the Socket.IO v5 layer of one EngineSession (a session that began with long-polling, or any
// in conformance mode; SocketIoConnection is the same for sessions born on a WebSocket, with the shared rules
// of socketio_chat). Decodes packets (binary attachments
// included), answers CONNECT (authenticating the token of the auth payload or of the handshake request),
// turns EVENTs into chat requests {event, data = first argument, id = ack id} for chat::Node, and ends the
// chat session on DISCONNECT or when the Engine.IO session ends. A malformed packet closes the session.
// In conformance mode it does what the official test suite expects instead: namespaces "/" and "/custom",
// an `auth` event echoing the CONNECT payload, `message` -> `message-back`, `message-with-ack` acked with
// all its arguments, and no authentication.
// Before a CONNECT has authenticated, a session may send nothing but CONNECT (and Engine.IO pings): anything
// else closes it, so an anonymous peer cannot make the node buffer attachments or parse events. Binary
// attachments of one packet are bounded in total by the session's max payload.
// Thread safety: lives on its session's loop.
#include <memory>
#include <string>
#include <vector>

#include "chat/node.hpp"
#include "net/engineio/chat_session.hpp"
#include "net/engineio/engine_session.hpp"
#include "net/engineio/pending_sessions.hpp"
#include "net/user_connections.hpp"
#include "net/http_types.hpp"
#include "protocol/socketio.hpp"

namespace parley::net::engineio {

class SocketIoHandler final : public EngineSession::Handler {
 public:
  // `pending` (null in conformance mode) counts this session until it authenticates or ends: the Service has
  // counted it in already. `users` (null: no cap) counts the session's user from an accepted CONNECT until
  // the chat session ends; past the cap a CONNECT is answered CONNECT_ERROR {code: "rate_limited"}.
  SocketIoHandler(chat::Node* node, const Authenticator& authenticate, bool conformance, PendingSessions* pending,
                  UserConnections* users = nullptr);
  ~SocketIoHandler() override {
    stop_pending();
    leave_user();
  }

  void on_open(EngineSession& session) override;
  void on_message(EngineSession& session, std::string data, bool binary) override;
  // Before a CONNECT: the connect timeout (close); after one: the token's expiry (close with 4001).
  void on_deadline(EngineSession& session) override;
  void on_close(EngineSession& session, std::string_view reason) override;

 private:
  void dispatch(EngineSession& session, protocol::socketio::Packet packet, std::vector<std::string> attachments);
  void on_connect(EngineSession& session, const protocol::socketio::Packet& packet);
  void on_event(EngineSession& session, protocol::socketio::Packet packet, std::vector<std::string> attachments);
  void conformance_event(EngineSession& session, const protocol::socketio::Packet& packet,
                         const std::vector<std::string>& attachments);
  void send_packet(EngineSession& session, const protocol::socketio::Packet& packet,
                   const std::vector<std::string>& attachments);
  // The session no longer counts as pending (it authenticated, or it ended). Once.
  void stop_pending() {
    if (pending_) std::exchange(pending_, nullptr)->leave();
  }
  // Ends the main namespace's chat session (if any) and gives back its user's place.
  void end_chat();
  void leave_user() {
    if (std::exchange(user_counted_, false)) users_->leave(counted_user_);
  }

  chat::Node* node_;
  const Authenticator& authenticate_;
  bool conformance_;
  PendingSessions* pending_;
  UserConnections* users_;
  int64_t counted_user_ = 0;  // the user whose place this session holds, when user_counted_
  bool user_counted_ = false;
  bool ever_connected_ = false;
  // Connected namespaces: only "/" and (conformance mode) "/custom" are ever accepted.
  enum Namespace : uint8_t { main_namespace = 1, custom_namespace = 2 };
  static uint8_t namespace_bit(std::string_view nsp) {
    return nsp == "/" ? main_namespace : nsp == "/custom" ? custom_namespace : 0;
  }
  uint8_t namespaces_ = 0;
  std::shared_ptr<ChatSession> chat_;              // the main namespace's chat session (normal mode)
  // A binary packet awaiting its attachments, with those received so far: only while one is incomplete.
  struct Partial {
    protocol::socketio::Packet packet;
    std::vector<std::string> attachments;
    size_t bytes = 0;
  };
  std::unique_ptr<Partial> partial_;
};

// An Engine.IO session with its Socket.IO layer, in one block: one allocation and one reference count for
// both (an idle Socket.IO connection is mostly these objects).
class SocketIoSession final : public EngineSession {
 public:
  SocketIoSession(LoopExecutor executor, size_t loop_index, std::string sid, const Config& config,
                  std::optional<std::string> token, Registry& registry, chat::Node* node,
                  const Authenticator& authenticate, bool conformance, PendingSessions* pending,
                  UserConnections* users)
      : EngineSession(executor, loop_index, std::move(sid), config, std::move(token), registry),
        handler_(node, authenticate, conformance, pending, users) {
    set_handler(&handler_);
  }

 private:
  SocketIoHandler handler_;
};

// The handler of conformance mode's /engine.io/ endpoint: every message is echoed unchanged. Stateless: one
// serves every session.
class EchoHandler final : public EngineSession::Handler {
 public:
  void on_open(EngineSession&) override {}
  void on_message(EngineSession& session, std::string data, bool binary) override {
    session.send_message(data, binary);
  }
  void on_deadline(EngineSession&) override {}
  void on_close(EngineSession&, std::string_view) override {}
};

}  // namespace parley::net::engineio

#pragma once
// SocketIoHandler: the Socket.IO v5 layer of one Engine.IO session. Decodes packets (binary attachments
// included), answers CONNECT (authenticating the token of the auth payload or of the handshake request),
// turns EVENTs into chat requests {event, data = first argument, id = ack id} for chat::Node, and ends the
// chat session on DISCONNECT or when the Engine.IO session ends. A malformed packet closes the session.
// In conformance mode it does what the official test suite expects instead: namespaces "/" and "/custom",
// an `auth` event echoing the CONNECT payload, `message` -> `message-back`, `message-with-ack` acked with
// all its arguments, and no authentication.
// Thread safety: lives on its session's loop.
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "chat/node.hpp"
#include "net/engineio/chat_session.hpp"
#include "net/engineio/engine_session.hpp"
#include "net/http_types.hpp"
#include "protocol/socketio.hpp"

namespace parley::net::engineio {

class SocketIoHandler final : public EngineSession::Handler, public std::enable_shared_from_this<SocketIoHandler> {
 public:
  SocketIoHandler(chat::Node* node, const Authenticator& authenticate, bool conformance);

  void on_open(EngineSession& session) override;
  void on_message(EngineSession& session, std::string data, bool binary) override;
  void on_close(EngineSession& session, std::string_view reason) override;

 private:
  void dispatch(EngineSession& session, protocol::socketio::Packet packet, std::vector<std::string> attachments);
  void on_connect(EngineSession& session, const protocol::socketio::Packet& packet);
  void on_event(EngineSession& session, protocol::socketio::Packet packet, std::vector<std::string> attachments);
  void conformance_event(EngineSession& session, const protocol::socketio::Packet& packet,
                         const std::vector<std::string>& attachments);
  void send_packet(EngineSession& session, const protocol::socketio::Packet& packet,
                   const std::vector<std::string>& attachments);

  chat::Node* node_;
  const Authenticator& authenticate_;
  bool conformance_;
  std::unique_ptr<boost::asio::steady_timer> connect_timer_;
  bool ever_connected_ = false;
  std::set<std::string, std::less<>> namespaces_;  // connected namespaces
  std::shared_ptr<ChatSession> chat_;              // the main namespace's chat session (normal mode)
  std::optional<protocol::socketio::Packet> partial_;  // a binary packet awaiting its attachments
  std::vector<std::string> attachments_;
};

// The handler of conformance mode's /engine.io/ endpoint: every message is echoed unchanged.
class EchoHandler final : public EngineSession::Handler {
 public:
  void on_open(EngineSession&) override {}
  void on_message(EngineSession& session, std::string data, bool binary) override {
    session.send_message(data, binary);
  }
  void on_close(EngineSession&, std::string_view) override {}
};

}  // namespace parley::net::engineio

#pragma once
// ChatSession: a Socket.IO connection to the main namespace "/" as the chat domain sees it (chat::Session), for
// an Engine.IO session that began with long-polling (one born on a WebSocket is a SocketIoConnection, which
// is its own chat session).
// Pushes go out as the delivery's shared Socket.IO encoding; replies become Socket.IO ACKs
// (43<id>[{"ok":true,"data":D}] / 43<id>[{"ok":false,"error":{code,message}}]) when the client asked for one,
// and a failure without an ack becomes an `error` event.
// Close codes map as follows: 4001 (token expired) and 1008 (policy) send a Socket.IO DISCONNECT (41) and
// close the Engine.IO session — the client does not reconnect by itself; 4008 (too slow a reader) and 1001
// (shutdown) close the Engine.IO session only — the client sees "transport close" and reconnects.
// Thread safety: lives on its Engine.IO session's loop; every member function runs there.
#include <memory>

#include "chat/node.hpp"
#include "chat/session.hpp"
#include "net/engineio/engine_session.hpp"

namespace parley::net::engineio {

class ChatSession final : public chat::Session {
 public:
  ChatSession(std::shared_ptr<EngineSession> engine, chat::Node& node, chat::Identity identity);
  ~ChatSession() override;

  // Attaches to the node and sets the session's deadline to the token's expiry (the handler then closes with
  // 4001).
  void start();
  // The client left the namespace or the Engine.IO session ended: detach, send nothing.
  void end();

  const LoopExecutor& executor() const override { return engine_->executor(); }
  void push(const chat::DeliveryPtr& delivery) override;
  void reply_ok(const protocol::Request& request, std::string_view data_json) override;
  void reply_error(const protocol::Request& request, const core::Error& error) override;
  void close(uint16_t code, std::string_view reason) override;
  bool is_open() const override { return open_ && engine_->is_open(); }
  size_t queued_bytes() const override { return engine_->queued_bytes(); }
  void when_drained(size_t threshold, std::function<void()> fn) override;

 private:
  void detach_later();

  std::shared_ptr<EngineSession> engine_;
  chat::Node& node_;
  bool open_ = false;
  bool attached_ = false;
  bool counted_ = false;  // in count_socketio_sessions
};

}  // namespace parley::net::engineio

#pragma once
// Service: the Engine.IO v4 / Socket.IO v5 endpoint at /socket.io/ (and, in conformance mode, the plain
// Engine.IO echo endpoint /engine.io/). HttpConnection hands it every request under those paths: handshakes,
// polling GET/POST of a session (found in the node-wide Registry and answered on the session's loop), and
// WebSocket upgrades: a new session (one SocketIoConnection, outside conformance mode) or the upgrade of a
// polling session (its socket then moves to the session's loop).
// Thread safety: serve() runs on the calling connection's loop and may run on many loops at once; the
// Registry is the only shared state.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "chat/node.hpp"
#include "core/config.hpp"
#include "net/engineio/options.hpp"
#include "net/engineio/pending_sessions.hpp"
#include "net/cors.hpp"
#include "net/engineio/engine_session.hpp"
#include "net/engineio/registry.hpp"
#include "net/engineio/socketio_connection.hpp"
#include "net/http_types.hpp"

namespace parley::net {
struct ConnectionGate;
}

namespace parley::net::engineio {

class Service {
 public:
  // `cors` (which must outlive the service) grants other origins its long-polling answers.
  Service(chat::Node* node, Authenticator authenticate, core::Limits limits, Options options,
          const CorsPolicy& cors);

  // True for paths this service answers: /socket.io/... (and /engine.io/... in conformance mode).
  bool handles(std::string_view path) const;
  // Serves one request on `stream` (loop `loop_index`) from the client address `client`. Answers whether the
  // HTTP connection may go on with another request; sets `taken` when the socket was handed to a WebSocket
  // transport.
  boost::asio::awaitable<bool> serve(boost::beast::tcp_stream& stream, HttpRequest request,
                                     boost::beast::flat_buffer& buffer, size_t loop_index, const std::string& client,
                                     bool& taken);
  // Bounds handshakes per address (429), sessions per node (503) and CONNECTs per user (CONNECT_ERROR
  // rate_limited); `gate` must outlive the service. Without one, nothing is bounded but unauthenticated sessions.
  void set_gate(ConnectionGate* gate);
  // Closes every session (shutdown), as a 1001 close.
  void close_all();
  // Drops every session still registered (after the loops stopped, before they are destroyed).
  void forget_all() { registry_.clear(); }
  const Options& options() const { return config_.options; }

 private:
  // A new session; null when the cap of unauthenticated sessions is reached (the caller refuses with 503).
  std::shared_ptr<EngineSession> make_session(const boost::asio::any_io_executor& executor, size_t loop_index,
                                              const HttpRequest& request, bool echo);
  // A new session on a WebSocket, outside conformance mode: one SocketIoConnection.
  boost::asio::awaitable<void> open_socketio_websocket(boost::beast::tcp_stream& stream, HttpRequest request,
                                                       boost::beast::flat_buffer& buffer, size_t loop_index);
  boost::asio::awaitable<void> upgrade(boost::beast::tcp_stream& stream, HttpRequest request,
                                       boost::beast::flat_buffer& buffer, size_t loop_index,
                                       std::optional<std::string> sid, bool echo);

  chat::Node* node_;
  Authenticator authenticate_;
  EngineSession::Config config_;  // shared by every session
  const CorsPolicy& cors_;
  PendingSessions pending_;
  Registry registry_;
  ConnectionGate* gate_ = nullptr;
  SocketIoContext socketio_context_;  // what every SocketIoConnection shares
};

}  // namespace parley::net::engineio

#pragma once
// Server: the event loops (one per core) and the listening sockets. Each loop has its own acceptor on the
// same port (SO_REUSEPORT), so the kernel spreads connections over loops and a connection lives on the loop
// that accepted it.
// Thread safety: construct, listen and run from the main thread; stop() may be called from any thread.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "chat/node.hpp"
#include "net/cors.hpp"
#include "net/http_types.hpp"
#include "net/ws_core.hpp"

namespace parley::net {

namespace engineio {
class Service;
}
struct ConnectionGate;

// What an accepted connection needs; owned by the app, outlives the server's loops.
struct ConnectionContext {
  chat::Node* node = nullptr;
  HttpHandler http;
  Authenticator authenticate;
  core::Limits limits;
  engineio::Service* socketio = nullptr;  // the /socket.io/ endpoint; null: none
  CorsPolicy cors;                        // which other origins browsers may call us from
  std::vector<boost::asio::ip::address> trusted_proxies;  // whose X-Forwarded-For names the client
  ConnectionGate* gate = nullptr;         // connections per node / user, handshakes per address; null: unbounded
  // Native heartbeat: ping every interval (0: never), drop a connection whose pong is timeout late.
  WsCore::Heartbeat ws_heartbeat{0, 20000};
};

class Server {
 public:
  explicit Server(unsigned threads);
  ~Server();

  // Executors of the loops, index = loop index.
  std::vector<boost::asio::any_io_executor> executors();
  // Binds every loop's acceptor to host:port (port 0: a free one); answers the bound endpoint.
  boost::asio::ip::tcp::endpoint listen(const std::string& host, uint16_t port);
  // Starts accepting with `context` (which must outlive the server) and runs loops 1..N-1 on threads;
  // loop 0 runs in run_main().
  void start(ConnectionContext* context);
  // Runs loop 0 on the calling thread until stop().
  void run_main();
  // Stops accepting new connections (existing ones go on).
  void stop_accepting();
  // Stops every loop; run_main() returns and threads join.
  void stop();
  boost::asio::io_context& loop(size_t i) { return *loops_[i]; }

 private:
  void accept(size_t loop);

  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::vector<std::thread> threads_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
  ConnectionContext* context_ = nullptr;
};

}  // namespace parley::net

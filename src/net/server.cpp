#include "net/server.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "net/http_connection.hpp"

namespace parley::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Server::Server(unsigned threads) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i) {
    loops_.push_back(std::make_unique<asio::io_context>(1));
    guards_.push_back(asio::make_work_guard(*loops_.back()));
  }
}

Server::~Server() {
  stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

std::vector<asio::any_io_executor> Server::executors() {
  std::vector<asio::any_io_executor> out;
  for (auto& l : loops_) out.push_back(l->get_executor());
  return out;
}

tcp::endpoint Server::listen(const std::string& host, uint16_t port) {
  tcp::endpoint endpoint(asio::ip::make_address(host), port);
  for (size_t i = 0; i < loops_.size(); ++i) {
    auto acceptor = std::make_unique<tcp::acceptor>(*loops_[i]);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    int one = 1;
    ::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    acceptor->bind(endpoint);
    acceptor->listen(asio::socket_base::max_listen_connections);
    if (i == 0) endpoint = acceptor->local_endpoint();  // port 0: the others bind the port the first got
    acceptors_.push_back(std::move(acceptor));
  }
  return endpoint;
}

void Server::start(ConnectionContext* context) {
  context_ = context;
  for (size_t i = 0; i < acceptors_.size(); ++i) accept(i);
  for (size_t i = 1; i < loops_.size(); ++i) threads_.emplace_back([this, i] { loops_[i]->run(); });
}

void Server::run_main() { loops_[0]->run(); }

void Server::accept(size_t loop) {
  acceptors_[loop]->async_accept(*loops_[loop], [this, loop](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      std::make_shared<HttpConnection>(std::move(socket), loop, *context_)->start();
      if (acceptors_[loop]->is_open()) accept(loop);
      return;
    }
    // Out of file descriptors and the like: say so, and try again shortly instead of spinning.
    spdlog::warn("accept failed: {}", ec.message());
    auto pause = std::make_shared<asio::steady_timer>(*loops_[loop], std::chrono::milliseconds(100));
    pause->async_wait([this, loop, pause](boost::system::error_code) {
      if (acceptors_[loop]->is_open()) accept(loop);
    });
  });
}

void Server::stop_accepting() {
  for (size_t i = 0; i < acceptors_.size(); ++i) {
    asio::post(*loops_[i], [this, i] {
      boost::system::error_code ec;
      acceptors_[i]->close(ec);
    });
  }
}

void Server::stop() {
  for (auto& g : guards_) g.reset();
  for (auto& l : loops_) l->stop();
}

}  // namespace parley::net

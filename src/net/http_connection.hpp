#pragma once
// HttpConnection: one accepted TCP connection while it speaks HTTP/1.1 (keep-alive). Plain requests go to
// the HttpHandler; a WebSocket upgrade of /ws or /entrypoint is authenticated and handed to a WsConnection.
// Thread safety: lives on the loop that accepted it.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>

#include "net/server.hpp"

namespace parley::net {

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(boost::asio::ip::tcp::socket socket, size_t loop_index, ConnectionContext& context);
  void start();

 private:
  boost::asio::awaitable<void> run();
  // Answers the upgrade (101 or an error) and, on success, hands the socket to a WsConnection.
  boost::asio::awaitable<void> upgrade_native(HttpRequest request, boost::beast::flat_buffer& buffer);
  boost::asio::awaitable<HttpResponse> call_handler(HttpRequest request);
  // The address `request` comes from (net/client_address.hpp).
  std::string client_of(const HttpRequest& request);

  boost::beast::tcp_stream stream_;
  size_t loop_index_;
  ConnectionContext& context_;
};

}  // namespace parley::net

#include "net/ws_upgrade.hpp"

#include <boost/beast/http/field.hpp>

#include "protocol/ws_handshake.hpp"

namespace parley::net {

namespace http = boost::beast::http;

http::response<http::empty_body> switching_protocols(const HttpRequest& request, std::string_view subprotocol) {
  http::response<http::empty_body> res{http::status::switching_protocols, request.version()};
  res.set(http::field::upgrade, "websocket");
  res.set(http::field::connection, "Upgrade");
  res.set(http::field::sec_websocket_accept, protocol::ws::accept_key(request[http::field::sec_websocket_key]));
  if (!subprotocol.empty()) res.set(http::field::sec_websocket_protocol, subprotocol);
  return res;
}

std::string bytes_after_upgrade(const boost::beast::flat_buffer& buffer) {
  auto data = buffer.data();
  return std::string(static_cast<const char*>(data.data()), data.size());
}

}  // namespace parley::net

#pragma once
// The server's side of a WebSocket opening handshake, shared by the native endpoint and Engine.IO: the
// 101 answer, and the bytes that came after the upgrade request (the client may send its first frames
// without waiting for the answer).
// Thread safety: pure functions.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <string>
#include <string_view>

#include "net/http_types.hpp"

namespace parley::net {

// 101 Switching Protocols for `request` (whose Sec-WebSocket-Key was checked): Sec-WebSocket-Accept, and
// `subprotocol` as Sec-WebSocket-Protocol when not empty.
boost::beast::http::response<boost::beast::http::empty_body> switching_protocols(const HttpRequest& request,
                                                                                 std::string_view subprotocol = {});

// The bytes read past the upgrade request (the first frames, if any), to hand to the WebSocket.
std::string bytes_after_upgrade(const boost::beast::flat_buffer& buffer);

}  // namespace parley::net

#pragma once
// The chat domain on Socket.IO, for both ways a Socket.IO client is served (ChatSession with SocketIoHandler
// for sessions that began with long-polling, SocketIoConnection for those born on a WebSocket): how a CONNECT
// is authenticated, how an EVENT becomes a chat request, and how replies and closes look on the wire.
// Thread safety: pure functions.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chat/session.hpp"
#include "core/error.hpp"
#include "net/http_types.hpp"
#include "protocol/native.hpp"
#include "protocol/socketio.hpp"

namespace parley::net::engineio::socketio_chat {

// Who a CONNECT authenticates as: the token of its auth payload (`token`), else the handshake request's
// (`handshake_token`, null: none); unauthorized without one.
core::Result<chat::Identity> authenticate_connect(const protocol::socketio::Packet& packet,
                                                  const std::string* handshake_token,
                                                  const Authenticator& authenticate);
// The CONNECT_ERROR refusing a CONNECT: the error's message, and {code} as its data.
std::string encode_connect_refused(std::string_view nsp, const core::Error& error);

// An EVENT of the main namespace as a chat request {event, data = first argument, id = ack id}; `error` is
// set (bad_request) when it cannot be one: the reply to it still goes to the request's ack id.
struct EventRequest {
  protocol::Request request;
  std::optional<core::Error> error;
};
EventRequest event_request(protocol::socketio::Packet& packet, bool has_attachments);

// The Socket.IO packet answering `request` with success (43<id>[{"ok":true,"data":D}]); nullopt when the
// client asked for no ack.
std::optional<std::string> encode_reply_ok(const protocol::Request& request, std::string_view data_json);
// The ack carrying the error, or without an ack an `error` event {code, message, event}.
std::string encode_reply_error(const protocol::Request& request, const core::Error& error);
// A close with this code starts with a Socket.IO DISCONNECT, so that the client does not reconnect by itself
// (token expired, policy); the others (too slow a reader, shutdown) close the session only: the client sees
// "transport close" and reconnects.
bool disconnects_first(uint16_t code);

}  // namespace parley::net::engineio::socketio_chat

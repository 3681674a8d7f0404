#pragma once
// Encoding of a server push as a Socket.IO v5 EVENT packet on the main namespace: 2["event",data].
// (The Engine.IO "message" prefix 4 is added by the transport.) Thread safety: stateless.
#include <string>
#include <string_view>

namespace parley::protocol {

// 2["event",data] — data_json must be serialized JSON.
std::string encode_socketio_event(std::string_view event, std::string_view data_json);

}  // namespace parley::protocol

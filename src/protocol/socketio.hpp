#pragma once
// Socket.IO protocol v5 (https://socket.io/docs/v4/socket-io-protocol/): pure functions over the packets
// that travel inside Engine.IO messages.
//   <type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]
//   type 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5 BINARY_EVENT, 6 BINARY_ACK
// A binary packet announces N attachments; they follow as N binary Engine.IO messages, and the JSON holds a
// placeholder {"_placeholder":true,"num":i} where attachment i belongs. This codec keeps placeholders as they
// are (the transport collects the attachments), and checks that each names an announced attachment.
// Validation follows the reference parser: EVENT data is a non-empty array whose first element is a string
// (not a reserved name) or a number; ACK data is an array; CONNECT data is absent or an object; DISCONNECT
// has no data.
// Thread safety: stateless functions and plain values.
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace parley::protocol::socketio {

enum class PacketType : int {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

struct Packet {
  PacketType type = PacketType::event;
  std::string nsp = "/";
  std::optional<uint64_t> id;     // ack id
  size_t attachments = 0;         // binary packets only
  std::optional<boost::json::value> data;  // absent when the packet has no data
};

// The most attachments one packet may announce.
constexpr size_t max_attachments = 64;

// Decodes one packet; bad_request with the reason when it is malformed (the connection should then close).
core::Result<Packet> decode(std::string_view text);

// Encodes a packet whose data is already serialized JSON (empty: no data).
std::string encode(PacketType type, std::string_view nsp, std::optional<uint64_t> id, std::string_view data_json,
                   size_t attachments = 0);
// Encodes a decoded packet (data serialized with Boost.JSON).
std::string encode(const Packet& packet);

// CONNECT answer: 0[nsp,]{"sid":SID}
std::string encode_connect_ok(std::string_view nsp, std::string_view sid);
// CONNECT_ERROR: 4[nsp,]{"message":M[,"data":DATA]}; data_json empty: no data.
std::string encode_connect_error(std::string_view nsp, std::string_view message, std::string_view data_json = {});
// ACK carrying one argument: 3<id>[ARG] (main namespace).
std::string encode_ack(uint64_t id, std::string_view arg_json);

}  // namespace parley::protocol::socketio

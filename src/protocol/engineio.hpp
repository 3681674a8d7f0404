#pragma once
// Engine.IO protocol v4 (https://socket.io/docs/v4/engine-io-protocol/): pure functions over packets.
//   packet   <type><data>   type '0' open, '1' close, '2' ping, '3' pong, '4' message, '5' upgrade, '6' noop
//   payload  packets joined by '\x1e' (HTTP long-polling); a binary message is 'b' + base64 there, and a
//            binary WebSocket frame (no type prefix) on the WebSocket transport.
// Thread safety: stateless functions and plain values.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::protocol::engineio {

enum class PacketType : char {
  open = '0',
  close = '1',
  ping = '2',
  pong = '3',
  message = '4',
  upgrade = '5',
  noop = '6',
};

struct Packet {
  PacketType type = PacketType::message;
  std::string data;
  bool binary = false;  // a binary message (type is then message)
};

constexpr char record_separator = '\x1e';

// Error codes of the reference server's 400 answers ({"code":N,"message":...}).
namespace error_code {
constexpr int unknown_transport = 0, unknown_sid = 1, bad_handshake_method = 2, bad_request = 3, forbidden = 4,
              unsupported_protocol_version = 5;
}  // namespace error_code

// The reference message of an error code, e.g. "Session ID unknown".
std::string_view error_message(int code);
// The JSON body of a 400 answer: {"code":N,"message":"..."}.
std::string encode_error_body(int code);

// Decodes one text packet (a WebSocket text frame); nullopt for an empty text or an unknown type.
std::optional<Packet> decode_text_packet(std::string_view text);
// Decodes one packet of a polling payload: a text packet, or 'b' + base64 for a binary message.
std::optional<Packet> decode_polling_packet(std::string_view segment);
// Decodes a whole polling payload (POST body) into packets; nullopt if any packet is malformed.
std::optional<std::vector<Packet>> decode_payload(std::string_view body);

// "<type><data>" — a text packet.
std::string encode_text_packet(PacketType type, std::string_view data = {});
// How a packet is written inside a polling payload: text as is, binary as 'b' + base64.
std::string encode_polling_packet(const Packet& packet);
// Joins packets into a polling payload.
std::string encode_payload(const std::vector<Packet>& packets);

struct Handshake {
  std::string sid;
  bool can_upgrade = true;  // upgrades: ["websocket"] on polling, [] on WebSocket
  int64_t ping_interval_ms = 25000;
  int64_t ping_timeout_ms = 20000;
  uint64_t max_payload = 1000000;
};
// The OPEN packet's JSON: {"sid","upgrades","pingInterval","pingTimeout","maxPayload"} (without the '0').
std::string encode_handshake(const Handshake& handshake);

// The transports a client may ask for.
enum class Transport { polling, websocket };
// "polling" / "websocket"; nullopt for anything else.
std::optional<Transport> parse_transport(std::string_view name);

}  // namespace parley::protocol::engineio

#include "protocol/engineio.hpp"

#include "core/base64.hpp"
#include "protocol/native.hpp"

namespace parley::protocol::engineio {

std::string_view error_message(int code) {
  switch (code) {
    case error_code::unknown_transport: return "Transport unknown";
    case error_code::unknown_sid: return "Session ID unknown";
    case error_code::bad_handshake_method: return "Bad handshake method";
    case error_code::bad_request: return "Bad request";
    case error_code::forbidden: return "Forbidden";
    case error_code::unsupported_protocol_version: return "Unsupported protocol version";
    default: return "Bad request";
  }
}

std::string encode_error_body(int code) {
  return "{\"code\":" + std::to_string(code) + ",\"message\":" + json_quote(error_message(code)) + "}";
}

std::optional<Packet> decode_text_packet(std::string_view text) {
  if (text.empty()) return std::nullopt;
  char t = text.front();
  if (t < '0' || t > '6') return std::nullopt;
  return Packet{static_cast<PacketType>(t), std::string(text.substr(1)), false};
}

std::optional<Packet> decode_polling_packet(std::string_view segment) {
  if (!segment.empty() && segment.front() == 'b') {
    auto bytes = core::base64_decode(segment.substr(1));
    if (!bytes) return std::nullopt;
    return Packet{PacketType::message, std::move(*bytes), true};
  }
  return decode_text_packet(segment);
}

std::optional<std::vector<Packet>> decode_payload(std::string_view body) {
  std::vector<Packet> out;
  for (;;) {
    auto sep = body.find(record_separator);
    auto packet = decode_polling_packet(body.substr(0, sep));
    if (!packet) return std::nullopt;
    out.push_back(std::move(*packet));
    if (sep == std::string_view::npos) break;
    body.remove_prefix(sep + 1);
  }
  return out;
}

std::string encode_text_packet(PacketType type, std::string_view data) {
  std::string out;
  out.reserve(data.size() + 1);
  out += static_cast<char>(type);
  out += data;
  return out;
}

std::string encode_polling_packet(const Packet& packet) {
  if (packet.binary) return "b" + core::base64_encode(packet.data);
  return encode_text_packet(packet.type, packet.data);
}

std::string encode_payload(const std::vector<Packet>& packets) {
  std::string out;
  for (size_t i = 0; i < packets.size(); ++i) {
    if (i > 0) out += record_separator;
    out += encode_polling_packet(packets[i]);
  }
  return out;
}

std::string encode_handshake(const Handshake& h) {
  std::string out = "{\"sid\":" + json_quote(h.sid) + ",\"upgrades\":";
  out += h.can_upgrade ? "[\"websocket\"]" : "[]";
  out += ",\"pingInterval\":" + std::to_string(h.ping_interval_ms);
  out += ",\"pingTimeout\":" + std::to_string(h.ping_timeout_ms);
  out += ",\"maxPayload\":" + std::to_string(h.max_payload) + "}";
  return out;
}

std::optional<Transport> parse_transport(std::string_view name) {
  if (name == "polling") return Transport::polling;
  if (name == "websocket") return Transport::websocket;
  return std::nullopt;
}

}  // namespace parley::protocol::engineio

#include "protocol/socketio.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "core/json.hpp"
#include "protocol/native.hpp"

namespace parley::protocol::socketio {

namespace json = boost::json;
using core::ErrorCode;

namespace {

core::Error bad(std::string message) { return {ErrorCode::bad_request, std::move(message)}; }

bool is_reserved_event(std::string_view name) {
  return name == "connect" || name == "connect_error" || name == "disconnect" || name == "disconnecting" ||
         name == "newListener" || name == "removeListener";
}

// True if every placeholder in `v` names an attachment below `attachments` (depth-limited by the parser).
bool placeholders_valid(const json::value& v, size_t attachments) {
  if (v.is_array()) {
    for (const auto& e : v.get_array())
      if (!placeholders_valid(e, attachments)) return false;
    return true;
  }
  if (!v.is_object()) return true;
  const auto& o = v.get_object();
  if (auto* p = o.if_contains("_placeholder"); p && p->is_bool() && p->get_bool()) {
    auto* num = o.if_contains("num");
    if (!num || !num->is_int64()) return false;
    return num->get_int64() >= 0 && static_cast<uint64_t>(num->get_int64()) < attachments;
  }
  for (const auto& kv : o)
    if (!placeholders_valid(kv.value(), attachments)) return false;
  return true;
}

bool payload_valid(const Packet& p) {
  switch (p.type) {
    case PacketType::connect: return !p.data || p.data->is_object();
    case PacketType::disconnect: return !p.data;
    case PacketType::connect_error: return p.data && (p.data->is_string() || p.data->is_object());
    case PacketType::event:
    case PacketType::binary_event: {
      if (!p.data || !p.data->is_array() || p.data->get_array().empty()) return false;
      const auto& first = p.data->get_array().front();
      if (first.is_number()) return true;
      return first.is_string() && !is_reserved_event(first.get_string());
    }
    case PacketType::ack:
    case PacketType::binary_ack: return p.data && p.data->is_array();
  }
  return false;
}

}  // namespace

core::Result<Packet> decode(std::string_view text) {
  if (text.empty()) return bad("empty packet");
  Packet p;
  if (text[0] < '0' || text[0] > '6') return bad("unknown packet type");
  p.type = static_cast<PacketType>(text[0] - '0');
  size_t i = 1;
  bool binary = p.type == PacketType::binary_event || p.type == PacketType::binary_ack;
  if (binary) {
    auto dash = text.find('-', i);
    if (dash == std::string_view::npos || dash == i || dash - i > 3) return bad("illegal attachments");
    size_t n = 0;
    auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + dash, n);
    if (ec != std::errc() || ptr != text.data() + dash || n > max_attachments) return bad("illegal attachments");
    p.attachments = n;
    i = dash + 1;
  }
  if (i < text.size() && text[i] == '/') {
    auto comma = text.find(',', i);
    size_t end = comma == std::string_view::npos ? text.size() : comma;
    p.nsp = std::string(text.substr(i, end - i));
    i = comma == std::string_view::npos ? text.size() : comma + 1;
  }
  if (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i - start > 15) return bad("ack id too long");
    uint64_t id = 0;
    std::from_chars(text.data() + start, text.data() + i, id);
    p.id = id;
  }
  if (i < text.size()) {
    auto value = core::parse_json(text.substr(i), core::request_storage());
    if (!value) return bad("invalid payload");
    p.data = std::move(*value);
  }
  if (!payload_valid(p)) return bad("invalid payload");
  if (binary && p.data && !placeholders_valid(*p.data, p.attachments)) return bad("illegal attachments");
  return p;
}

std::string encode(PacketType type, std::string_view nsp, std::optional<uint64_t> id, std::string_view data_json,
                   size_t attachments) {
  std::string out;
  out.reserve(data_json.size() + nsp.size() + 24);
  out += static_cast<char>('0' + static_cast<int>(type));
  if (type == PacketType::binary_event || type == PacketType::binary_ack) {
    out += std::to_string(attachments);
    out += '-';
  }
  if (!nsp.empty() && nsp != "/") {
    out += nsp;
    out += ',';
  }
  if (id) out += std::to_string(*id);
  out += data_json;
  return out;
}

std::string encode(const Packet& packet) {
  return encode(packet.type, packet.nsp, packet.id, packet.data ? json::serialize(*packet.data) : std::string(),
                packet.attachments);
}

std::string encode_connect_ok(std::string_view nsp, std::string_view sid) {
  return encode(PacketType::connect, nsp, std::nullopt, "{\"sid\":" + json_quote(sid) + "}");
}

std::string encode_connect_error(std::string_view nsp, std::string_view message, std::string_view data_json) {
  std::string body = "{\"message\":" + json_quote(message);
  if (!data_json.empty()) {
    body += ",\"data\":";
    body += data_json;
  }
  body += '}';
  return encode(PacketType::connect_error, nsp, std::nullopt, body);
}

std::string encode_ack(uint64_t id, std::string_view arg_json) {
  std::string body = "[";
  body += arg_json;
  body += ']';
  return encode(PacketType::ack, "/", id, body);
}

}  // namespace parley::protocol::socketio

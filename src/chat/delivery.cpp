#include "chat/delivery.hpp"

#include <charconv>

#include "protocol/native.hpp"
#include "protocol/socketio_event.hpp"
#include "protocol/ws_frame.hpp"

namespace parley::chat {

// Layout: "v1\n<exclude_user>\n<exclude_connection>\n<room>\n<seq>\n<event>\n<data_json>". None of the header
// fields can hold a newline: room names and event names are validated, connection ids are ours.
std::string encode_envelope(const EnvelopeFields& f) {
  std::string out;
  out.reserve(f.data_json.size() + f.event.size() + f.room.size() + f.exclude_connection.size() + 48);
  out += "v1\n";
  out += std::to_string(f.exclude_user);
  out += '\n';
  out += f.exclude_connection;
  out += '\n';
  out += f.room;
  out += '\n';
  out += std::to_string(f.seq);
  out += '\n';
  out += f.event;
  out += '\n';
  out += f.data_json;
  return out;
}

namespace {
// Encodes once per wire format, whole frames included, so fan-out copies nothing per recipient.
void encode_all(Delivery& d, std::string_view event, std::string_view data_json) {
  d.native_ws_frame = protocol::ws::encode_frame(protocol::ws::Opcode::text,
                                                 protocol::encode_native_push(event, data_json));
  d.socketio_packet = protocol::encode_socketio_event(event, data_json);
  d.socketio_ws_frame = protocol::ws::encode_frame(protocol::ws::Opcode::text, "4" + d.socketio_packet);
}
bool take_line(std::string_view& rest, std::string_view& line) {
  auto pos = rest.find('\n');
  if (pos == std::string_view::npos) return false;
  line = rest.substr(0, pos);
  rest.remove_prefix(pos + 1);
  return true;
}
bool to_int(std::string_view s, int64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}
}  // namespace

std::optional<Delivery> decode_envelope(std::string_view payload) {
  std::string_view version, exclude_user, exclude_connection, room, seq, event;
  if (!take_line(payload, version) || version != "v1" || !take_line(payload, exclude_user) ||
      !take_line(payload, exclude_connection) || !take_line(payload, room) || !take_line(payload, seq) ||
      !take_line(payload, event))
    return std::nullopt;
  Delivery d;
  if (!to_int(exclude_user, d.exclude_user) || !to_int(seq, d.seq)) return std::nullopt;
  d.exclude_connection = exclude_connection;
  d.room = room;
  encode_all(d, event, payload);
  return d;
}

DeliveryPtr make_delivery(std::string_view event, std::string_view data_json) {
  auto d = std::make_shared<Delivery>();
  encode_all(*d, event, data_json);
  return d;
}

}  // namespace parley::chat

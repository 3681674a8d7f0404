#include "chat/delivery.hpp"

#include <atomic>
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
std::atomic<int64_t> socketio_sessions{0};

std::string_view span(const std::string& s, uint32_t at, uint32_t len) { return std::string_view(s).substr(at, len); }

void encode_socketio(Delivery& d) {
  std::string_view event = span(d.native_ws_frame, d.event_at, d.event_len);
  std::string_view data = span(d.native_ws_frame, d.data_at, d.data_len);
  d.socketio_ws_frame = protocol::ws::encode_text_frame({"42[", event, ",", data, "]"});
  // The packet is the frame's payload without the Engine.IO "4".
  d.socketio_packet = d.socketio_ws_frame.substr(d.socketio_ws_frame.size() - (event.size() + data.size() + 4));
}

// Encodes once per wire format, whole frames included, so fan-out copies nothing per recipient. The native
// frame is built in one allocation; the Socket.IO forms only when someone on this node speaks Socket.IO.
void encode_all(Delivery& d, std::string_view event, std::string_view data_json) {
  thread_local std::string quoted;  // scratch: an event name longer than a short string costs no allocation
  quoted.clear();
  protocol::append_json_string(quoted, event);
  std::string_view data = data_json.empty() ? std::string_view("null") : data_json;
  constexpr std::string_view open = R"({"event":)", middle = R"(,"data":)";
  d.native_ws_frame = protocol::ws::encode_text_frame({open, quoted, middle, data, "}"});
  size_t payload_at = d.native_ws_frame.size() - (open.size() + quoted.size() + middle.size() + data.size() + 1);
  d.event_at = static_cast<uint32_t>(payload_at + open.size());
  d.event_len = static_cast<uint32_t>(quoted.size());
  d.data_at = static_cast<uint32_t>(d.event_at + quoted.size() + middle.size());
  d.data_len = static_cast<uint32_t>(data.size());
  if (socketio_sessions.load(std::memory_order_relaxed) > 0) encode_socketio(d);
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

void count_socketio_sessions(int delta) { socketio_sessions.fetch_add(delta, std::memory_order_relaxed); }

DeliveryPtr with_socketio(const DeliveryPtr& d) {
  if (!d->socketio_ws_frame.empty()) return d;
  auto copy = std::make_shared<Delivery>(*d);
  encode_socketio(*copy);
  return copy;
}

DeliveryPtr make_delivery(std::string_view event, std::string_view data_json) {
  auto d = std::make_shared<Delivery>();
  encode_all(*d, event, data_json);
  return d;
}

DeliveryPtr make_delivery(const EnvelopeFields& fields) {
  auto d = std::make_shared<Delivery>();
  d->room = fields.room;
  d->seq = fields.seq;
  d->exclude_user = fields.exclude_user;
  d->exclude_connection = fields.exclude_connection;
  encode_all(*d, fields.event, fields.data_json);
  return d;
}

}  // namespace parley::chat

#include "net/engineio/socketio_chat.hpp"

#include <boost/json.hpp>

#include "protocol/socketio_event.hpp"
#include "protocol/ws_frame.hpp"

namespace parley::net::engineio::socketio_chat {

namespace json = boost::json;
namespace sio = protocol::socketio;
using core::ErrorCode;

namespace {
// The ack id of a request (Socket.IO ids are non-negative integers); nullopt if none.
std::optional<uint64_t> ack_id(const protocol::Request& request) {
  if (!request.id) return std::nullopt;
  if (request.id->is_uint64()) return request.id->get_uint64();
  if (request.id->is_int64() && request.id->get_int64() >= 0) return static_cast<uint64_t>(request.id->get_int64());
  return std::nullopt;
}
}  // namespace

core::Result<chat::Identity> authenticate_connect(const sio::Packet& packet, const std::string* handshake_token,
                                                  const Authenticator& authenticate) {
  std::optional<std::string_view> token;
  if (packet.data && packet.data->is_object()) {
    if (auto* t = packet.data->get_object().if_contains("token"); t && t->is_string()) token = t->get_string();
  }
  if (!token && handshake_token) token = *handshake_token;
  if (!token) return core::Error{ErrorCode::unauthorized, "a token is required"};
  return authenticate(*token);
}

std::string encode_connect_refused(std::string_view nsp, const core::Error& error) {
  std::string data = "{\"code\":" + protocol::json_quote(core::to_string(error.code)) + "}";
  return sio::encode_connect_error(nsp, error.message, data);
}

EventRequest event_request(sio::Packet& packet, bool has_attachments) {
  auto& args = packet.data->get_array();
  // `data` on the packet's storage, so that taking it from the packet moves instead of copying.
  EventRequest out{protocol::Request{.data = json::value(packet.data->storage())}, std::nullopt};
  protocol::Request& request = out.request;
  if (args.front().is_string()) request.event = std::string(args.front().get_string());
  if (args.size() > 1) request.data = std::move(args[1]);
  if (packet.id) request.id = json::value(*packet.id);
  if (!args.front().is_string()) out.error = core::Error{ErrorCode::bad_request, "the event name must be a string"};
  else if (has_attachments)
    out.error = core::Error{ErrorCode::bad_request, "chat events carry JSON, not binary attachments"};
  return out;
}

std::optional<std::string> encode_reply_ok(const protocol::Request& request, std::string_view data_json) {
  auto id = ack_id(request);
  if (!id) return std::nullopt;
  std::string arg = "{\"ok\":true,\"data\":";
  arg += data_json.empty() ? std::string_view("null") : data_json;
  arg += '}';
  return sio::encode_ack(*id, arg);
}

std::string encode_reply_error(const protocol::Request& request, const core::Error& error) {
  if (auto id = ack_id(request)) return sio::encode_ack(*id, protocol::encode_error_object(error));
  std::string data = "{\"code\":" + protocol::json_quote(core::to_string(error.code)) +
                     ",\"message\":" + protocol::json_quote(error.message) +
                     ",\"event\":" + protocol::json_quote(request.event) + "}";
  return protocol::encode_socketio_event("error", data);
}

bool disconnects_first(uint16_t code) {
  return code == protocol::ws::close_code::token_expired || code == protocol::ws::close_code::policy;
}

}  // namespace parley::net::engineio::socketio_chat

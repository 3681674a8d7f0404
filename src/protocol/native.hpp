#pragma once
// The native JSON protocol of /ws (docs/protocol.md §3): pure functions over text frames.
//   client -> server  {"event":E,"data":D,"id":N?}
//   reply             {"id":N,"ok":true,"data":...} | {"id":N,"ok":false,"error":{"code","message"}}
//   push              {"event":E,"data":D}
// Thread safety: stateless functions.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace parley::protocol {

// One client request, whatever the wire protocol.
struct Request {
  std::string event;
  boost::json::value data;                // null when absent
  std::optional<boost::json::value> id;   // number or string as sent; empty: no reply wanted on success
};

// Parses a native text frame. bad_request (with the reason) for invalid JSON, a non-object, a missing or
// non-string event, or an id that is neither number nor string. `event_out` receives the event name when
// one could be read, so an error can name it.
core::Result<Request> parse_native_request(std::string_view text);

// {"event":E,"data":D}; data_json must already be serialized JSON.
std::string encode_native_push(std::string_view event, std::string_view data_json);
// {"id":ID,"ok":true,"data":D} as a whole WebSocket text frame (header included): one allocation per reply.
std::string encode_native_reply_ok_frame(const boost::json::value& id, std::string_view data_json);
// {"id":ID,"ok":false,"error":{"code":C,"message":M}}
std::string encode_native_reply_error(const boost::json::value& id, const core::Error& error);
// {"ok":false,"error":{...}} — the ack argument of Socket.IO and the body of error replies.
std::string encode_error_object(const core::Error& error);
// {"event":"error","data":{"code","message","event"}}
std::string encode_native_error_push(const core::Error& error, std::string_view event);

// A JSON string literal (with quotes) for `s`.
std::string json_quote(std::string_view s);
// Appends the JSON string literal for `s` (valid UTF-8) to `out`, escaping as Boost.JSON does: hot paths
// build small JSON documents by hand instead of through a json::object.
void append_json_string(std::string& out, std::string_view s);
// Appends `n` in decimal (base 10) or lower-case hex (base 16): the hot paths' JSON numbers and message ids,
// without a format string to parse per call.
void append_int(std::string& out, int64_t n, int base = 10);

}  // namespace parley::protocol

#include "protocol/native.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iterator>

#include "core/json.hpp"
#include "protocol/ws_frame.hpp"

namespace parley::protocol {

namespace json = boost::json;
using core::ErrorCode;

core::Result<Request> parse_native_request(std::string_view text) {
  auto parsed = core::parse_json(text, core::request_storage());
  if (!parsed) return parsed.error();
  json::value& root = *parsed;
  if (!root.is_object()) return core::Error{ErrorCode::bad_request, "a frame must be a JSON object"};
  auto& obj = root.as_object();
  // `data` on the document's storage, so that taking it from the document below moves instead of copying.
  Request req{.data = json::value(root.storage())};
  if (auto* id = obj.if_contains("id"); id && !id->is_null()) {
    if (!id->is_number() && !id->is_string())
      return core::Error{ErrorCode::bad_request, "id must be a number or a string"};
    req.id = *id;
  }
  auto* event = obj.if_contains("event");
  if (!event || !event->is_string()) return core::Error{ErrorCode::bad_request, "event must be a string"};
  req.event = std::string(event->as_string());
  if (auto* data = obj.if_contains("data")) req.data = std::move(*data);
  return req;
}

std::string json_quote(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

namespace {
// True when one of the eight bytes in `w` needs an escape: a control character (below 0x20), '"' or '\\'.
// Exact as a yes/no answer (bytes of 0x80 and up, UTF-8's, never count), so the scan below goes a word at a time
// through the clean stretches that make up almost every text.
inline bool word_needs_escape(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  auto has_zero_byte = [](uint64_t x) { return (x - ones) & ~x & highs; };
  return (((w - 0x20 * ones) & ~w & highs) | has_zero_byte(w ^ (0x22 * ones)) | has_zero_byte(w ^ (0x5c * ones))) != 0;
}
}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  const size_t n = s.size();
  size_t clean = 0;  // start of the run of characters that need no escape
  size_t i = 0;
  while (i < n) {
    for (uint64_t w; i + 8 <= n; i += 8) {
      std::memcpy(&w, s.data() + i, 8);
      if (word_needs_escape(w)) break;
    }
    // Byte by byte through the word that needs an escape (or the string's last few bytes).
    for (const size_t stop = std::min(n, i + 8); i < stop; ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out.append(s.data() + clean, i - clean);
      clean = i + 1;
      out += '\\';
      switch (c) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '\b': out += 'b'; break;
        case '\f': out += 'f'; break;
        case '\n': out += 'n'; break;
        case '\r': out += 'r'; break;
        case '\t': out += 't'; break;
        default:
          out += "u00";
          out += hex[c >> 4];
          out += hex[c & 15];
      }
    }
  }
  out.append(s.data() + clean, n - clean);
  out += '"';
}

void append_int(std::string& out, int64_t n, int base) {
  char digits[24];
  auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), n, base);
  out.append(digits, end);
}

std::string encode_native_push(std::string_view event, std::string_view data_json) {
  std::string out;
  out.reserve(event.size() + data_json.size() + 24);
  out += R"({"event":)";
  out += json_quote(event);
  out += R"(,"data":)";
  out += data_json.empty() ? std::string_view("null") : data_json;
  out += '}';
  return out;
}

std::string encode_native_reply_ok_frame(const json::value& id, std::string_view data_json) {
  char digits[24];
  std::string other;  // an id that is not an integer (a string, a double), as JSON
  std::string_view id_json;
  if (id.is_int64()) {
    id_json = std::string_view(digits, std::to_chars(std::begin(digits), std::end(digits), id.get_int64()).ptr);
  } else {
    other = json::serialize(id);
    id_json = other;
  }
  return ws::encode_text_frame(
      {R"({"id":)", id_json, R"(,"ok":true,"data":)", data_json.empty() ? std::string_view("null") : data_json, "}"});
}

namespace {
json::object error_body(const core::Error& error) {
  return json::object{{"code", to_string(error.code)}, {"message", error.message}};
}
}  // namespace

std::string encode_native_reply_error(const json::value& id, const core::Error& error) {
  return json::serialize(json::object{{"id", id}, {"ok", false}, {"error", error_body(error)}});
}

std::string encode_error_object(const core::Error& error) {
  return json::serialize(json::object{{"ok", false}, {"error", error_body(error)}});
}

std::string encode_native_error_push(const core::Error& error, std::string_view event) {
  json::object data = error_body(error);
  data["event"] = event;
  return json::serialize(json::object{{"event", "error"}, {"data", std::move(data)}});
}

}  // namespace parley::protocol

// libFuzzer target: what travels between nodes through the broker. The envelope decoder takes any bytes
// without a crash; an envelope encoded from fields taken from the input decodes to the same fields; and the
// cluster key's seal (cluster/redis/envelope_mac) opens only what it sealed, on the channel it sealed it for.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "chat/delivery.hpp"
#include "cluster/redis/envelope_mac.hpp"

namespace {
// The next piece of the input up to a 0 byte (or the end).
std::string_view take(std::string_view& rest) {
  auto end = rest.find('\0');
  std::string_view piece = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  return piece;
}
bool printable_line(std::string_view s) {
  for (char c : s)
    if (c == '\n' || c == '\r') return false;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)parley::chat::decode_envelope(input);  // anything: decoded or refused

  static parley::cluster::redis::EnvelopeMac mac(std::string(32, 'k'));
  if (mac.open("parley:room:x", input)) std::abort();  // nothing unsealed opens (a forgery would need the key)
  const std::string sealed = mac.seal("parley:room:x", input);
  auto opened = mac.open("parley:room:x", sealed);
  if (!opened || *opened != input) std::abort();
  if (mac.open("parley:room:y", sealed)) std::abort();  // bound to its channel

  std::string_view rest = input;
  std::string_view event = take(rest), room = take(rest), connection = take(rest), json_data = rest;
  // The header fields the node writes are lines: events and rooms are validated names, connection ids ours.
  if (event.empty() || !printable_line(event) || !printable_line(room) || !printable_line(connection)) return 0;
  const int64_t seq = static_cast<int64_t>(size), user = static_cast<int64_t>(size % 7);
  parley::chat::EnvelopeFields fields{.event = event, .data_json = "{}", .room = room, .seq = seq,
                                      .exclude_user = user, .exclude_connection = connection};
  auto decoded = parley::chat::decode_envelope(parley::chat::encode_envelope(fields));
  if (!decoded || decoded->room != room || decoded->seq != seq || decoded->exclude_user != user ||
      decoded->exclude_connection != connection)
    std::abort();
  (void)json_data;
  return 0;
}

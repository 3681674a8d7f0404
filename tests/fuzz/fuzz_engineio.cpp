// libFuzzer target: the Engine.IO v4 codec. Any bytes as a polling payload and as a WebSocket text packet;
// whatever decodes must re-encode to a payload that decodes to the same packets.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/engineio.hpp"

namespace eio = parley::protocol::engineio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)eio::decode_text_packet(input);
  auto packets = eio::decode_payload(input);
  if (!packets) return 0;
  std::string body = eio::encode_payload(*packets);
  auto again = eio::decode_payload(body);
  if (!again || again->size() != packets->size()) std::abort();
  for (size_t i = 0; i < packets->size(); ++i) {
    const auto& a = (*packets)[i];
    const auto& b = (*again)[i];
    if (a.type != b.type || a.data != b.data || a.binary != b.binary) std::abort();
  }
  return 0;
}

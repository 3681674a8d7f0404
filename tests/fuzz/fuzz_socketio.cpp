// libFuzzer target: the Socket.IO v5 packet decoder. Any bytes must decode or be refused without a crash;
// a decoded packet must encode to text that decodes again to the same encoding (a fixed point).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/socketio.hpp"

namespace sio = parley::protocol::socketio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto packet = sio::decode(input);
  if (!packet) return 0;
  std::string once = sio::encode(*packet);
  auto again = sio::decode(once);
  if (!again) std::abort();
  if (sio::encode(*again) != once) std::abort();
  return 0;
}

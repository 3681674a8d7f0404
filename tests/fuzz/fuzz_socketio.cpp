// libFuzzer target: the Socket.IO v5 packet decoder. Any bytes must decode or be refused without a crash;
// a decoded packet must encode to text that decodes again to the same packet: type, namespace, ack id,
// attachment count and the shape of its data. (Doubles are not compared bit for bit: Boost.JSON before 1.83
// parses them imprecisely, so 6.666666666666667E94 may come back as 6.6666666666666666E94.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/json.hpp>

#include "json_shape.hpp"
#include "protocol/socketio.hpp"

namespace sio = parley::protocol::socketio;


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto packet = sio::decode(input);
  if (!packet) return 0;
  std::string once = sio::encode(*packet);
  auto again = sio::decode(once);
  if (!again) std::abort();
  if (again->type != packet->type || again->nsp != packet->nsp || again->id != packet->id ||
      again->attachments != packet->attachments || again->data.has_value() != packet->data.has_value())
    std::abort();
  if (packet->data && !same_shape(*packet->data, *again->data)) std::abort();
  return 0;
}

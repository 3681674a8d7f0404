// libFuzzer target: the Socket.IO v5 packet decoder. Any bytes must decode or be refused without a crash;
// a decoded packet must encode to text that decodes again to the same packet: type, namespace, ack id,
// attachment count and the shape of its data. (Doubles are not compared bit for bit: Boost.JSON before 1.83
// parses them imprecisely, so 6.666666666666667E94 may come back as 6.6666666666666666E94.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/json.hpp>

#include "protocol/socketio.hpp"

namespace sio = parley::protocol::socketio;

namespace {
// Equal JSON, except that numbers need only both be numbers.
bool same_shape(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) return true;
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!same_shape(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      auto* other = y.if_contains(kv.key());
      if (!other || !same_shape(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}
}  // namespace

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

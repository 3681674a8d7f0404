// libFuzzer target: the native protocol's request parser (docs/protocol.md §3). Any bytes must parse or be
// refused without a crash; a parsed request, written back as {"event","data","id"}, must parse to the same
// event and id, and data of the same shape (json_shape.hpp).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/json.hpp>

#include "json_shape.hpp"
#include "protocol/native.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto request = parley::protocol::parse_native_request(input);
  if (!request) {
    if (request.error().message.empty()) std::abort();  // a refusal always says why
    return 0;
  }
  boost::json::object again{{"event", request->event}, {"data", request->data}};
  if (request->id) again["id"] = *request->id;
  auto reparsed = parley::protocol::parse_native_request(boost::json::serialize(again));
  if (!reparsed || reparsed->event != request->event || reparsed->id.has_value() != request->id.has_value())
    std::abort();
  if (request->id && !same_shape(*reparsed->id, *request->id)) std::abort();
  if (!same_shape(reparsed->data, request->data)) std::abort();
  return 0;
}

// base64 / base64url decoders on arbitrary input never crash, and accept only canonical encodings:
// whatever decodes must re-encode to exactly the input (url: up to optional padding); encode-then-decode
// is the identity.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/base64.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace parley::core;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto d = base64_decode(input); d && base64_encode(*d) != input) std::abort();
  if (auto d = base64url_decode(input)) {
    std::string_view unpadded = input;
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.remove_suffix(1);
    if (base64url_encode(*d) != unpadded) std::abort();
  }
  if (base64_decode(base64_encode(input)) != input) std::abort();
  if (base64url_decode(base64url_encode(input)) != input) std::abort();
  return 0;
}

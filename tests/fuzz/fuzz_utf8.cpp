// Differential fuzzer: is_valid_utf8 / utf8_code_points against a slow, obviously-correct reference decoder.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "core/utf8.hpp"

namespace {

// Decodes `s` code point by code point straight from the definition (RFC 3629 §3): the lead byte gives the
// length, each continuation byte is 10xxxxxx, and the decoded value must need exactly that length, must not
// be a surrogate and must not exceed U+10FFFF. Returns the number of code points, or nullopt.
std::optional<size_t> reference_count(std::string_view s) {
  size_t count = 0;
  size_t i = 0;
  while (i < s.size()) {
    const uint32_t b0 = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (b0 < 0x80) {
      len = 1, cp = b0;
    } else if ((b0 & 0xE0) == 0xC0) {
      len = 2, cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4, cp = b0 & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size()) return std::nullopt;
    for (size_t k = 1; k < len; ++k) {
      const uint32_t b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b & 0x3F);
    }
    const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len]) return std::nullopt;         // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return std::nullopt;  // surrogate
    if (cp > 0x10FFFF) return std::nullopt;
    i += len;
    ++count;
  }
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  const std::optional<size_t> expected = reference_count(s);
  if (parley::core::is_valid_utf8(s) != expected.has_value()) std::abort();
  if (parley::core::utf8_code_points(s) != expected) std::abort();
  return 0;
}

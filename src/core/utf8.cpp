#include "core/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace parley::core {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Loads 8 bytes without alignment or aliasing concerns (compiles to one load).
inline uint64_t load8(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Decodes one non-ASCII sequence starting at s[i] (s[i] >= 0x80). Returns its length in bytes (2..4), or 0 if
// the sequence is malformed. Follows the table of well-formed byte sequences in RFC 3629 §4 / Unicode Table 3-7.
inline size_t decode_multibyte(const unsigned char* s, size_t i, size_t n) {
  const unsigned char b0 = s[i];
  auto cont = [&](size_t k) { return i + k < n && (s[i + k] & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) {  // U+0080..U+07FF (0xC0, 0xC1 would be overlong)
    return cont(1) ? 2 : 0;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {  // U+0800..U+FFFF minus surrogates
    if (i + 1 >= n) return 0;
    const unsigned char b1 = s[i + 1];
    if (b0 == 0xE0 && b1 < 0xA0) return 0;   // overlong
    if (b0 == 0xED && b1 > 0x9F) return 0;   // surrogates U+D800..U+DFFF
    return (cont(1) && cont(2)) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {  // U+10000..U+10FFFF
    if (i + 1 >= n) return 0;
    const unsigned char b1 = s[i + 1];
    if (b0 == 0xF0 && b1 < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && b1 > 0x8F) return 0;   // above U+10FFFF
    return (cont(1) && cont(2) && cont(3)) ? 4 : 0;
  }
  return 0;  // stray continuation byte, 0xC0/0xC1, or 0xF5..0xFF
}

// Walks `s`; returns the code-point count, or nullopt at the first malformed sequence.
std::optional<size_t> scan(std::string_view sv) {
  const auto* s = reinterpret_cast<const unsigned char*>(sv.data());
  const size_t n = sv.size();
  size_t i = 0;
  size_t count = 0;
  while (i < n) {
    // ASCII fast path: skip 8 bytes at a time while none has its high bit set.
    while (i + 8 <= n && (load8(s + i) & kHighBits) == 0) {
      i += 8;
      count += 8;
    }
    if (i >= n) break;
    if (s[i] < 0x80) {
      ++i;
      ++count;
      continue;
    }
    const size_t len = decode_multibyte(s, i, n);
    if (len == 0) return std::nullopt;
    i += len;
    ++count;
  }
  return count;
}

}  // namespace

bool is_valid_utf8(std::string_view s) { return scan(s).has_value(); }

std::optional<size_t> utf8_code_points(std::string_view s) { return scan(s); }

}  // namespace parley::core

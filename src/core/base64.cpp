#include "core/base64.hpp"

#include <array>
#include <cstdint>

namespace parley::core {
namespace {

constexpr std::string_view kStd = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// A 256-entry reverse table for `alphabet`: the 6-bit value of each character, or -1.
constexpr std::array<int8_t, 256> reverse_table(std::string_view alphabet) {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (size_t i = 0; i < alphabet.size(); ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
  return t;
}

constexpr auto kStdRev = reverse_table(kStd);
constexpr auto kUrlRev = reverse_table(kUrl);

// Encodes `data` with `alphabet`, appending '=' padding iff `pad`.
std::string encode(std::string_view data, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  const size_t rest = data.size() - i;
  if (rest == 1) {
    const uint32_t v = uint32_t{p[i]} << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

// Decodes unpadded `text` with reverse table `rev`; nullopt on a bad character, a length of 1 mod 4, or
// non-zero leftover bits in the final character.
std::optional<std::string> decode_unpadded(std::string_view text, const std::array<int8_t, 256>& rev) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int8_t v = rev[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical trailing bits
  return out;
}

// Strips up to two trailing '=' from `text`; returns false if padding is present but wrong for the length.
bool strip_padding(std::string_view& text, bool required) {
  size_t pads = 0;
  while (pads < 2 && !text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++pads;
  }
  if (pads == 0) return !required || text.size() % 4 == 0;
  // With padding, the padded length must be a multiple of 4 and the padding exactly what the data needs.
  return (text.size() + pads) % 4 == 0 && text.size() % 4 == 4 - pads;
}

}  // namespace

std::string base64_encode(std::string_view data) { return encode(data, kStd, true); }

std::optional<std::string> base64_decode(std::string_view text) {
  if (!strip_padding(text, /*required=*/true)) return std::nullopt;
  return decode_unpadded(text, kStdRev);
}

std::string base64url_encode(std::string_view data) { return encode(data, kUrl, false); }

std::optional<std::string> base64url_decode(std::string_view text) {
  if (!strip_padding(text, /*required=*/false)) return std::nullopt;
  return decode_unpadded(text, kUrlRev);
}

}  // namespace parley::core

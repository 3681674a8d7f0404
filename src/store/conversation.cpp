#include <charconv>
#include <cstring>
#include <string>
#include <utility>

#include "store/store.hpp"

namespace parley::store {

// Built in one go (on every direct message, on the loop): no temporaries of to_string and operator+.
std::string conversation_key(int64_t a, int64_t b) {
  if (a > b) std::swap(a, b);
  char key[3 + 20 + 1 + 20];  // "dm:", an int64 (at most 20 characters), ':', another
  char* const end = key + sizeof key;
  std::memcpy(key, "dm:", 3);
  // Each fits (the buffer is sized for the longest int64s); the checks keep the writes provably in bounds.
  auto first = std::to_chars(key + 3, end - 21, a);
  if (first.ec != std::errc()) return "dm:" + std::to_string(a) + ":" + std::to_string(b);
  *first.ptr = ':';
  auto second = std::to_chars(first.ptr + 1, end, b);
  if (second.ec != std::errc()) return "dm:" + std::to_string(a) + ":" + std::to_string(b);
  return std::string(key, second.ptr);
}

std::optional<std::pair<int64_t, int64_t>> conversation_users(std::string_view key) {
  if (!is_conversation(key)) return std::nullopt;
  std::string_view rest = key.substr(3);
  auto colon = rest.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  int64_t a = 0, b = 0;
  auto parse = [](std::string_view digits, int64_t& out) {
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return ec == std::errc() && end == digits.data() + digits.size() && !digits.empty() && out > 0;
  };
  if (!parse(rest.substr(0, colon), a) || !parse(rest.substr(colon + 1), b) || a > b) return std::nullopt;
  return std::pair{a, b};
}

}  // namespace parley::store

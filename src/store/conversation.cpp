#include <charconv>
#include <cstring>
#include <string>
#include <utility>

#include "store/store.hpp"

namespace parley::store {

// Built in one go (on every direct message, on the loop): no temporaries of to_string and operator+.
std::string conversation_key(int64_t a, int64_t b) {
  if (a > b) std::swap(a, b);
  char key[3 + 20 + 1 + 20];
  char* const end = key + sizeof key;
  std::memcpy(key, "dm:", 3);
  char* at = std::to_chars(key + 3, end, a).ptr;
  *at++ = ':';
  at = std::to_chars(at, end, b).ptr;
  return std::string(key, at);
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

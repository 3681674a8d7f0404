#include "chat/connection_id.hpp"

#include <charconv>

namespace parley::chat {

std::string ConnectionId::str() const {
  std::string out = node_ ? *node_ : std::string();
  out += ':';
  out += std::to_string(number_);
  return out;
}

bool ConnectionId::operator==(std::string_view id) const {
  const std::string_view node = node_ ? std::string_view(*node_) : std::string_view();
  if (id.size() <= node.size() + 1 || !id.starts_with(node) || id[node.size()] != ':') return false;
  const std::string_view digits = id.substr(node.size() + 1);
  if (digits.size() > 1 && digits.front() == '0') return false;  // str() never writes leading zeros
  uint64_t number = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  return ec == std::errc() && end == digits.data() + digits.size() && number == number_;
}

}  // namespace parley::chat

#pragma once
// The broker channels a node publishes and subscribes, named in one place: a room's messages and membership
// news, a user's direct messages and read markers (every connection of the user, on every node), everything.
// Thread safety: stateless.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::chat {

inline std::string room_channel(std::string_view room) { return "room:" + std::string(room); }
inline std::string user_channel(int64_t user_id) { return "user:" + std::to_string(user_id); }
inline const std::string all_channel = "all";

// The user id of a user channel as user_channel() names it ("user:<id>"), or 0 for any other channel.
inline int64_t user_of_channel(std::string_view channel) {
  if (!channel.starts_with("user:")) return 0;
  std::string_view digits = channel.substr(5);
  if (digits.empty() || digits.front() == '0') return 0;
  int64_t id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  return ec == std::errc() && end == digits.data() + digits.size() && id > 0 ? id : 0;
}

}  // namespace parley::chat

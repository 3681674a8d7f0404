#pragma once
// The broker channels a node publishes and subscribes, named in one place: a room's messages and membership
// news, a user's direct messages and read markers (every connection of the user, on every node), everything.
// Thread safety: stateless.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::chat {

inline std::string room_channel(std::string_view room) {
  std::string channel;
  channel.reserve(5 + room.size());
  channel += "room:";
  channel += room;
  return channel;
}
// Built in one go (twice per direct message, on the store's thread): no temporaries of to_string and operator+.
inline std::string user_channel(int64_t user_id) {
  char channel[5 + 20] = {'u', 's', 'e', 'r', ':'};
  char* const at = std::to_chars(channel + 5, channel + sizeof channel, user_id).ptr;
  return std::string(channel, at);
}
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

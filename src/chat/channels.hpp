#pragma once
// The broker channels a node publishes and subscribes, named in one place: a room's messages and membership
// news, a user's direct messages and read markers (every connection of the user, on every node), everything.
// Thread safety: stateless.
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::chat {

inline std::string room_channel(std::string_view room) { return "room:" + std::string(room); }
inline std::string user_channel(int64_t user_id) { return "user:" + std::to_string(user_id); }
inline const std::string all_channel = "all";

}  // namespace parley::chat

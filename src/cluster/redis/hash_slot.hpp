#pragma once
// The Redis Cluster hash slot of a key (cluster spec: CRC16-XMODEM of the key, or of the text between the
// first "{" and the following "}" when that is not empty, modulo 16384). Keys that must meet in one Lua
// script share a hash tag, e.g. "parley:{room:x}:conns" and "parley:{room:x}:users".
#include <cstdint>
#include <string_view>

namespace parley::cluster::redis {

inline constexpr uint16_t slot_count = 16384;

uint16_t hash_slot(std::string_view key);

}  // namespace parley::cluster::redis

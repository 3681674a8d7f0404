#pragma once
namespace parley::app {
inline constexpr const char* version = "0.1.0";
}

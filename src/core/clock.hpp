#pragma once
// Wall-clock milliseconds since the epoch (message timestamps, token expiry) and a monotonic clock
// (rate limits, timeouts). Injected as a function where tests need to control time.
#include <chrono>
#include <cstdint>

namespace parley::core {

inline int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

inline double monotonic_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace parley::core

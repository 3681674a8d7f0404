#pragma once
// Polls a condition that another thread (the Redis thread, a Redis server) makes true; for tests only.
#include <chrono>
#include <functional>
#include <thread>

namespace parley::test {

inline bool wait_for(const std::function<bool()>& cond,
                     std::chrono::milliseconds ms = std::chrono::milliseconds(5000)) {
  auto deadline = std::chrono::steady_clock::now() + ms;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

}  // namespace parley::test

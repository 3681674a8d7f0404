// HandshakeLimiter: a token bucket per address, Retry-After when empty, and bounded memory.
#include "net/handshake_limiter.hpp"

#include <gtest/gtest.h>

namespace parley::net {
namespace {

using Clock = HandshakeLimiter::Clock;
using namespace std::chrono_literals;

TEST(HandshakeLimiter, AllowsABurstOfPerSecondThenAsksToWait) {
  HandshakeLimiter limiter(5);
  auto t = Clock::now();
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.take("10.0.0.1", t)) << i;
  auto wait = limiter.take("10.0.0.1", t);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1);
  EXPECT_FALSE(limiter.take("10.0.0.2", t)) << "another address has its own bucket";
}

TEST(HandshakeLimiter, RefillsAtTheRate) {
  HandshakeLimiter limiter(10);
  auto t = Clock::now();
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(limiter.take("a", t));
  EXPECT_TRUE(limiter.take("a", t));
  EXPECT_FALSE(limiter.take("a", t + 110ms)) << "one token back after 1/10 s";
  EXPECT_TRUE(limiter.take("a", t + 110ms));
}

TEST(HandshakeLimiter, RetryAfterCoversASlowRate) {
  HandshakeLimiter limiter(0.25);  // one every 4 s, burst 1
  auto t = Clock::now();
  EXPECT_FALSE(limiter.take("a", t));
  auto wait = limiter.take("a", t);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 4);
}

TEST(HandshakeLimiter, ZeroIsOff) {
  HandshakeLimiter limiter(0);
  auto t = Clock::now();
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(limiter.take("a", t));
  EXPECT_EQ(limiter.addresses(), 0u);
}

TEST(HandshakeLimiter, ForgetsRefilledAddresses) {
  HandshakeLimiter limiter(10);
  auto t = Clock::now();
  for (int i = 0; i < 100; ++i) limiter.take("10.0.0." + std::to_string(i), t);
  EXPECT_EQ(limiter.addresses(), 100u);
  // A second later every bucket is full again: each call forgets a few, so the table drains as calls come.
  for (int i = 0; i < 60; ++i) limiter.take("192.0.2.1", t + 2s);
  EXPECT_LE(limiter.addresses(), 1u);
}

TEST(HandshakeLimiter, IsBoundedByMaxAddresses) {
  HandshakeLimiter limiter(1, 50);
  auto t = Clock::now();
  for (int i = 0; i < 10000; ++i) limiter.take("addr-" + std::to_string(i), t);
  EXPECT_LE(limiter.addresses(), 50u);
  // The most recent addresses are still limited.
  EXPECT_TRUE(limiter.take("addr-9999", t));
}

}  // namespace
}  // namespace parley::net

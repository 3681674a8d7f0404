// AttemptLimiter: a sliding minute per key, a wait that says when the next attempt is allowed, bounded memory.
#include "api/attempt_limiter.hpp"

#include <gtest/gtest.h>

namespace parley::api {
namespace {

using namespace std::chrono_literals;
using Clock = AttemptLimiter::Clock;

TEST(AttemptLimiter, AllowsTheLimitPerMinuteThenSaysHowLongToWait) {
  AttemptLimiter limiter(3);
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(limiter.blocked("alice", t0 + i * 1s));
    limiter.add("alice", t0 + i * 1s);
  }
  EXPECT_EQ(limiter.blocked("alice", t0 + 10s), 50);  // the first attempt leaves the minute at t0 + 60 s
  EXPECT_FALSE(limiter.blocked("bob", t0 + 10s)) << "other keys are unaffected";
  EXPECT_EQ(limiter.blocked("alice", t0 + 59500ms), 1);
  EXPECT_FALSE(limiter.blocked("alice", t0 + 60s));
}

TEST(AttemptLimiter, ClearForgetsAKey) {
  AttemptLimiter limiter(1);
  const auto t0 = Clock::time_point{} + 1h;
  limiter.add("alice", t0);
  EXPECT_TRUE(limiter.blocked("alice", t0));
  limiter.clear("alice");
  EXPECT_FALSE(limiter.blocked("alice", t0));
}

TEST(AttemptLimiter, ZeroTurnsItOff) {
  AttemptLimiter limiter(0);
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 100; ++i) limiter.add("alice", t0);
  EXPECT_FALSE(limiter.blocked("alice", t0));
  EXPECT_EQ(limiter.keys(), 0u);
}

TEST(AttemptLimiter, TracksAtMostMaxKeysDroppingExpiredThenLeastRecentlyUsed) {
  AttemptLimiter limiter(1, 3);
  const auto t0 = Clock::time_point{} + 1h;
  limiter.add("a", t0);
  limiter.add("b", t0 + 1s);
  limiter.add("c", t0 + 2s);
  limiter.add("d", t0 + 3s);  // full, none expired: "a" (least recently used) goes
  EXPECT_EQ(limiter.keys(), 3u);
  EXPECT_FALSE(limiter.blocked("a", t0 + 4s));
  EXPECT_TRUE(limiter.blocked("b", t0 + 4s));
  limiter.add("e", t0 + 2min);  // everything expired: all old keys go
  EXPECT_EQ(limiter.keys(), 1u);
}

}  // namespace
}  // namespace parley::api

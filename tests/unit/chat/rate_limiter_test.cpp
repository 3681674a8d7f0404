#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "chat/rate_limiter.hpp"

using parley::chat::RateLimiter;

TEST(RateLimiter, AllowsBurstThenRefuses) {
  RateLimiter limiter(10, 20);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(limiter.try_acquire(1, 100.0)) << i;
  EXPECT_FALSE(limiter.try_acquire(1, 100.0));
  EXPECT_FALSE(limiter.try_acquire(1, 100.0));
}

TEST(RateLimiter, RefillsOverTimeCappedAtBurst) {
  RateLimiter limiter(10, 20);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(limiter.try_acquire(1, 0.0));
  EXPECT_FALSE(limiter.try_acquire(1, 0.05));  // half a token
  EXPECT_TRUE(limiter.try_acquire(1, 0.1));    // one token after 100 ms
  EXPECT_FALSE(limiter.try_acquire(1, 0.1));
  EXPECT_TRUE(limiter.try_acquire(1, 0.3));    // two more after 200 ms
  EXPECT_TRUE(limiter.try_acquire(1, 0.3));
  EXPECT_FALSE(limiter.try_acquire(1, 0.3));
  // A long pause refills only up to the burst.
  int allowed = 0;
  while (limiter.try_acquire(1, 1000.0)) ++allowed;
  EXPECT_EQ(allowed, 20);
}

TEST(RateLimiter, RefusedCallsCostNothing) {
  RateLimiter limiter(1, 1);
  ASSERT_TRUE(limiter.try_acquire(1, 0.0));
  // Hammering while empty must not push the next token further away.
  for (int i = 1; i < 100; ++i) EXPECT_FALSE(limiter.try_acquire(1, i * 0.0099));
  EXPECT_TRUE(limiter.try_acquire(1, 1.0));
}

TEST(RateLimiter, SustainedRateMatchesConfiguration) {
  RateLimiter limiter(10, 20);
  int allowed = 0;
  for (int ms = 0; ms < 10'000; ++ms) allowed += limiter.try_acquire(7, ms / 1000.0);
  // 20 from the burst plus ~10/s over 10 s.
  EXPECT_GE(allowed, 20 + 99);
  EXPECT_LE(allowed, 20 + 100);
}

TEST(RateLimiter, DisabledWhenRateIsZero) {
  RateLimiter limiter(0, 20);
  for (int i = 0; i < 10'000; ++i) EXPECT_TRUE(limiter.try_acquire(1, 0.0));
  EXPECT_EQ(limiter.bucket_count(), 0u);
}

TEST(RateLimiter, UsersAreIndependent) {
  RateLimiter limiter(1, 3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.try_acquire(1, 0.0));
  EXPECT_FALSE(limiter.try_acquire(1, 0.0));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.try_acquire(2, 0.0));
  EXPECT_FALSE(limiter.try_acquire(2, 0.0));
  EXPECT_TRUE(limiter.try_acquire(-5, 0.0));
}

TEST(RateLimiter, ClockGoingBackwardsRefillsNothing) {
  RateLimiter limiter(1, 1);
  ASSERT_TRUE(limiter.try_acquire(1, 10.0));
  EXPECT_FALSE(limiter.try_acquire(1, 5.0));
  EXPECT_FALSE(limiter.try_acquire(1, 10.5));
  EXPECT_TRUE(limiter.try_acquire(1, 11.0));
}

TEST(RateLimiter, BurstBelowOneIsClampedToOne) {
  RateLimiter limiter(1, 0);
  EXPECT_TRUE(limiter.try_acquire(1, 0.0));
  EXPECT_FALSE(limiter.try_acquire(1, 0.0));
}

TEST(RateLimiter, PruneDropsOnlyFullBuckets) {
  RateLimiter limiter(1, 5);
  for (int64_t user = 0; user < 100; ++user) ASSERT_TRUE(limiter.try_acquire(user, 0.0));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(limiter.try_acquire(1000, 0.0));  // one token left
  EXPECT_EQ(limiter.bucket_count(), 101u);
  limiter.prune(0.5);  // nobody is full yet
  EXPECT_EQ(limiter.bucket_count(), 101u);
  limiter.prune(1.0);  // the 100 light users have refilled; user 1000 has 2 of 5
  EXPECT_EQ(limiter.bucket_count(), 1u);
  // Pruning changes no decision: user 1000 still has exactly 2 tokens.
  EXPECT_TRUE(limiter.try_acquire(1000, 1.0));
  EXPECT_TRUE(limiter.try_acquire(1000, 1.0));
  EXPECT_FALSE(limiter.try_acquire(1000, 1.0));
  limiter.prune(100.0);
  EXPECT_EQ(limiter.bucket_count(), 0u);
  // A pruned user starts again with a full bucket, as it would have had anyway.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.try_acquire(1000, 100.0));
  EXPECT_FALSE(limiter.try_acquire(1000, 100.0));
}

TEST(RateLimiter, ConcurrentCallersAtFrozenClockGetExactlyBurst) {
  RateLimiter limiter(10, 20);
  constexpr int kThreads = 8;
  constexpr int kTries = 1000;
  std::atomic<int> successes{0};
  std::atomic<int> other_successes{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kTries; ++i) {
        if (limiter.try_acquire(42, 5.0)) ++successes;
        if (limiter.try_acquire(1000 + t, 5.0)) ++other_successes;  // per-thread users, other shards
        if (t == 0 && i % 100 == 0) limiter.prune(5.0);
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(successes.load(), 20);
  EXPECT_EQ(other_successes.load(), kThreads * 20);
}

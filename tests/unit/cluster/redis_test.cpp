// RedisBroker, RedisPresence and RedisRateLimit against a real redis-server (started here on a free port;
// skipped when redis-server is not installed).
#include <gtest/gtest.h>

#include "wait_for.hpp"

#include <chrono>
#include <cstdlib>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <algorithm>
#include <vector>

#include "cluster/redis/redis_broker.hpp"
#include "cluster/redis/redis_presence.hpp"
#include "cluster/redis/redis_rate_limit.hpp"

using namespace parley::cluster;
using namespace std::chrono_literals;
using parley::test::wait_for;

namespace {

class RedisServer {
 public:
  RedisServer() {
    if (std::system("command -v redis-server >/dev/null 2>&1") != 0) return;
    std::random_device rd;
    port = 21000 + static_cast<int>(rd() % 20000);
    dir = "/tmp/parley-redis-test-" + std::to_string(port);
    start();
  }
  ~RedisServer() { stop(); std::system(("rm -rf " + dir).c_str()); }
  void start() {
    std::system(("mkdir -p " + dir + " && redis-server --port " + std::to_string(port) +
                 " --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --dir " + dir +
                 " --pidfile " + dir + "/redis.pid --logfile " + dir + "/redis.log")
                    .c_str());
    for (int i = 0; i < 100; ++i) {
      if (std::system(("redis-cli -p " + std::to_string(port) + " ping >/dev/null 2>&1").c_str()) == 0) {
        up = true;
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
  }
  void stop() {
    if (up) std::system(("redis-cli -p " + std::to_string(port) + " shutdown nosave >/dev/null 2>&1").c_str());
    up = false;
  }
  redis::Endpoint endpoint() const { return {"127.0.0.1", port}; }
  int port = 0;
  bool up = false;
  std::string dir;
};

template <class T>
T get(std::future<T>& f) {
  if (f.wait_for(5s) != std::future_status::ready) throw std::runtime_error("timed out");
  return f.get();
}

struct Received {
  std::mutex m;
  std::vector<std::pair<std::string, std::string>> items;
  void add(std::string_view c, std::string_view p) {
    std::lock_guard l(m);
    items.emplace_back(c, p);
  }
  size_t size() {
    std::lock_guard l(m);
    return items.size();
  }
};

class AllowAll final : public RateLimit {
 public:
  void try_acquire(int64_t, std::function<void(bool)> done) override { done(true); }
};

}  // namespace

TEST(RedisBroker, RoutesOnlySubscribedChannelsInOrderAndSurvivesARestart) {
  RedisServer server;
  if (!server.up) GTEST_SKIP() << "redis-server not available";
  auto rt = std::make_shared<redis::Runtime>();
  auto broker = [&] {
    return std::make_unique<redis::RedisBroker>(std::make_shared<redis::SingleClient>(rt, server.endpoint()),
                                                std::make_unique<redis::ChannelSubscriber>(*rt, server.endpoint()),
                                                "t1:");
  };
  auto pa = broker(), pb = broker();
  auto &a = *pa, &b = *pb;
  Received got_a, got_b;
  a.set_handler([&](auto c, auto p) { got_a.add(c, p); });
  b.set_handler([&](auto c, auto p) { got_b.add(c, p); });
  a.start();
  b.start();
  ASSERT_TRUE(wait_for([&] { return a.healthy() && b.healthy(); }));
  b.subscribe("room:x");
  std::this_thread::sleep_for(200ms);
  for (int i = 0; i < 100; ++i) a.publish("room:x", std::to_string(i));
  a.publish("room:y", "nobody");
  ASSERT_TRUE(wait_for([&] { return got_b.size() == 100; }));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(got_b.items[i].second, std::to_string(i));
  EXPECT_EQ(got_a.size(), 0u);
  EXPECT_EQ(b.received_count(), 100u);

  // Outage: unhealthy; local subscribers still get what this node publishes, once.
  server.stop();
  ASSERT_TRUE(wait_for([&] { return !b.healthy(); }));
  b.publish("room:x", "local");
  ASSERT_TRUE(wait_for([&] { return got_b.size() == 101; }));
  server.start();
  ASSERT_TRUE(wait_for([&] { return a.healthy() && b.healthy(); }, 8000ms));
  std::this_thread::sleep_for(200ms);
  a.publish("room:x", "after");  // b resubscribed by itself
  ASSERT_TRUE(wait_for([&] { return got_b.size() == 102; }));
  EXPECT_EQ(got_b.items.back().second, "after");
  b.unsubscribe("room:x");
  std::this_thread::sleep_for(200ms);
  a.publish("room:x", "gone");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(got_b.size(), 102u);
}

TEST(RedisPresence, CountsUsersAcrossNodesAndForgetsADeadNode) {
  RedisServer server;
  if (!server.up) GTEST_SKIP() << "redis-server not available";
  auto rt = std::make_shared<redis::Runtime>();
  redis::RedisPresence n1(std::make_shared<redis::SingleClient>(rt, server.endpoint()), "n1", "t2:");
  auto n2 = std::make_unique<redis::RedisPresence>(std::make_shared<redis::SingleClient>(rt, server.endpoint()), "n2", "t2:");
  std::mutex m;
  std::vector<std::pair<std::string, int64_t>> departed;
  n1.set_membership_handler([&](const std::string& scope, const Member& who, bool joined) {
    std::lock_guard l(m);
    if (!joined) departed.emplace_back(scope, who.user_id);
  });
  auto join = [](Presence& p, std::string scope, int64_t uid, std::string conn) {
    std::promise<bool> pr;
    auto f = pr.get_future();
    p.join(scope, {uid, "u" + std::to_string(uid)}, conn, [&pr](parley::core::Result<bool> r) { pr.set_value(r.ok() && *r); });
    return get(f);
  };
  auto leave = [](Presence& p, std::string scope, int64_t uid, std::string conn) {
    std::promise<bool> pr;
    auto f = pr.get_future();
    p.leave(scope, uid, conn, [&pr](parley::core::Result<bool> r) { pr.set_value(r.ok() && *r); });
    return get(f);
  };
  auto count = [](Presence& p, std::string scope) {
    std::promise<int64_t> pr;
    auto f = pr.get_future();
    p.counts({scope}, [&pr](auto r) { pr.set_value(r.ok() ? r->front() : -1); });
    return get(f);
  };
  ASSERT_TRUE(wait_for([&] { return count(n1, "r") == 0; }));
  EXPECT_TRUE(join(n1, "r", 1, "n1:1"));
  EXPECT_FALSE(join(*n2, "r", 1, "n2:1"));  // same user, second connection on another node
  EXPECT_FALSE(join(*n2, "r", 1, "n2:1"));  // idempotent
  EXPECT_TRUE(join(*n2, "r", 2, "n2:2"));
  EXPECT_EQ(count(n1, "r"), 2);
  {
    std::promise<std::vector<Member>> pr;
    auto f = pr.get_future();
    n1.members("r", [&pr](auto r) { pr.set_value(r.ok() ? *r : std::vector<Member>{}); });
    auto members = get(f);
    ASSERT_EQ(members.size(), 2u);
    EXPECT_EQ(members[0].user_id, 1);
    EXPECT_EQ(members[1].username, "u2");
  }
  EXPECT_FALSE(leave(n1, "r", 1, "n1:1"));  // user 1 still on n2
  EXPECT_FALSE(leave(n1, "r", 1, "n1:1"));  // idempotent

  // n2 goes away leaving its entries, as after a kill: its object stops (which drops only the heartbeat),
  // then its id is listed again as a node. n1's reaper finds no heartbeat and drops its connections.
  n2.reset();
  std::system(("redis-cli -p " + std::to_string(server.port) + " sadd t2:{nodes} n2 >/dev/null").c_str());
  EXPECT_EQ(count(n1, "r"), 2);  // n2's entries are still there (a clean stop only drops the heartbeat)
  ASSERT_TRUE(wait_for([&] { return count(n1, "r") == 0; }, 8000ms));
  std::lock_guard l(m);
  ASSERT_EQ(departed.size(), 2u);
}

// A join and a leave that fail while Redis is down are recorded when it comes back (empty), and the users
// who thereby arrived or left are handed to the membership handler once; nothing else is.
TEST(RedisPresence, AnnouncesJoinsAndLeavesMadeDuringAnOutageOnceRedisIsBack) {
  RedisServer server;
  if (!server.up) GTEST_SKIP() << "redis-server not available";
  auto rt = std::make_shared<redis::Runtime>();
  redis::RedisPresence n1(std::make_shared<redis::SingleClient>(rt, server.endpoint()), "n1", "t4:");
  redis::RedisPresence n2(std::make_shared<redis::SingleClient>(rt, server.endpoint()), "n2", "t4:");
  std::mutex m;
  std::vector<std::tuple<std::string, int64_t, bool>> changes;
  for (auto* p : {&n1, &n2}) {
    p->set_membership_handler([&](const std::string& scope, const Member& who, bool joined) {
      std::lock_guard l(m);
      changes.emplace_back(scope, who.user_id, joined);
    });
  }
  auto join = [](Presence& p, std::string scope, int64_t uid, std::string conn) {
    std::promise<parley::core::Result<bool>> pr;
    auto f = pr.get_future();
    p.join(scope, {uid, "u" + std::to_string(uid)}, conn, [&pr](parley::core::Result<bool> r) { pr.set_value(r); });
    return get(f);
  };
  auto leave = [](Presence& p, std::string scope, int64_t uid, std::string conn) {
    std::promise<parley::core::Result<bool>> pr;
    auto f = pr.get_future();
    p.leave(scope, uid, conn, [&pr](parley::core::Result<bool> r) { pr.set_value(r); });
    return get(f);
  };
  auto members = [](Presence& p, std::string scope) {
    std::promise<std::vector<int64_t>> pr;
    auto f = pr.get_future();
    p.members(scope, [&pr](auto r) {
      std::vector<int64_t> ids;
      if (r.ok()) for (auto& x : *r) ids.push_back(x.user_id);
      else ids.push_back(-1);
      pr.set_value(ids);
    });
    return get(f);
  };
  ASSERT_TRUE(wait_for([&] { return members(n1, "r").empty(); }));
  ASSERT_TRUE(*join(n1, "r", 1, "n1:1"));
  ASSERT_TRUE(*join(n2, "r", 3, "n2:1"));

  server.stop();
  ASSERT_TRUE(wait_for([&] { return !join(n1, "r", 2, "n1:2").ok(); }));  // user 2 arrives: nobody can be told
  ASSERT_FALSE(leave(n1, "r", 1, "n1:1").ok());                           // user 1 leaves: neither
  server.start();  // empty

  // Both nodes rewrite their entries (user 2 is back only through n1's resync, user 3 only through n2's);
  // n1 announces what changed while Redis was away, and only that.
  const std::vector<int64_t> both{2, 3};
  ASSERT_TRUE(wait_for([&] { return members(n1, "r") == both; }, 8000ms));
  ASSERT_TRUE(wait_for([&] { return members(n2, "r") == both; }));
  ASSERT_TRUE(wait_for([&] { std::lock_guard l(m); return changes.size() >= 2; }));  // 2.5 s after the resync
  std::lock_guard l(m);
  std::sort(changes.begin(), changes.end());
  using Change = std::tuple<std::string, int64_t, bool>;
  EXPECT_EQ(changes, (std::vector<Change>{{"r", 1, false}, {"r", 2, true}}));
}

TEST(RedisRateLimit, SharesOneBucketAcrossNodesAndFallsBackWhenRedisIsDown) {
  RedisServer server;
  if (!server.up) GTEST_SKIP() << "redis-server not available";
  auto rt = std::make_shared<redis::Runtime>();
  redis::RedisRateLimit a(std::make_shared<redis::SingleClient>(rt, server.endpoint()), 1, 5,
                          std::make_unique<AllowAll>(), "t3:");
  redis::RedisRateLimit b(std::make_shared<redis::SingleClient>(rt, server.endpoint()), 1, 5,
                          std::make_unique<AllowAll>(), "t3:");
  std::this_thread::sleep_for(300ms);
  auto take = [](RateLimit& r) {
    std::promise<bool> pr;
    auto f = pr.get_future();
    r.try_acquire(7, [&pr](bool ok) { pr.set_value(ok); });
    return get(f);
  };
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += take(i % 2 ? a : b) ? 1 : 0;
  EXPECT_EQ(allowed, 5);
  server.stop();
  std::this_thread::sleep_for(300ms);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(take(a));  // the fallback answers, at once
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
}

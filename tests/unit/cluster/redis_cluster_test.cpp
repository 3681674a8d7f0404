// ClusterClient, sharded pub/sub and presence against a real Redis Cluster of 3 primaries and 3 replicas
// (scripts/with-redis-cluster starts it and sets PARLEY_TEST_REDIS_CLUSTER_URL; skipped without it).
// The slot-migration test moves one slot between primaries with CLUSTER SETSLOT / MIGRATE, as
// `redis-cli --cluster reshard` does, so the client meets ASK while the slot migrates and MOVED after.
#include <gtest/gtest.h>

#include "wait_for.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cluster/redis/cluster_client.hpp"
#include "cluster/redis/redis_broker.hpp"
#include "cluster/redis/redis_presence.hpp"
#include "core/metrics.hpp"

using namespace parley::cluster;
using namespace std::chrono_literals;
using parley::test::wait_for;

namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

struct ClusterNode {
  std::string id;
  int port = 0;
  bool primary = false;
  std::vector<std::pair<int, int>> slots;
  bool owns(int slot) const {
    for (auto [a, b] : slots)
      if (slot >= a && slot <= b) return true;
    return false;
  }
};

class TestCluster {
 public:
  TestCluster() {
    const char* url = std::getenv("PARLEY_TEST_REDIS_CLUSTER_URL");
    if (!url) return;
    auto parsed = redis::parse_redis_cluster_url(url);
    if (!parsed) return;
    seeds = *parsed;
  }
  bool available() const { return !seeds.empty(); }
  std::string cli(int port, const std::string& args) const {
    return run("redis-cli -p " + std::to_string(port) + " " + args + " 2>&1");
  }
  // CLUSTER NODES as seen by the first seed.
  std::vector<ClusterNode> nodes() const {
    std::vector<ClusterNode> out;
    std::istringstream lines(cli(seeds[0].port, "cluster nodes"));
    for (std::string line; std::getline(lines, line);) {
      std::istringstream f(line);
      ClusterNode n;
      std::string address, flags, master, ping, pong, epoch, link;
      f >> n.id >> address >> flags >> master >> ping >> pong >> epoch >> link;
      n.port = std::stoi(address.substr(address.find(':') + 1, address.find('@') - address.find(':') - 1));
      n.primary = flags.find("master") != std::string::npos && flags.find("fail") == std::string::npos;
      for (std::string range; f >> range;) {
        if (range.starts_with("[")) continue;  // a migration in progress
        auto dash = range.find('-');
        int a = std::stoi(range.substr(0, dash));
        n.slots.emplace_back(a, dash == std::string::npos ? a : std::stoi(range.substr(dash + 1)));
      }
      out.push_back(n);
    }
    return out;
  }
  ClusterNode owner(int slot) const {
    for (auto& n : nodes())
      if (n.primary && n.owns(slot)) return n;
    return {};
  }
  std::vector<redis::Endpoint> seeds;
};

// Runs a command through the client (on its Runtime thread) and waits for the reply as text.
std::string call(redis::ClusterClient& client, const std::string& key, std::vector<std::string> args) {
  std::promise<std::string> reply;
  auto f = reply.get_future();
  client.runtime().post([&] {
    client.command(key, args, [&reply](redisReply* r) {
      if (!r) return reply.set_value("<none>");
      if (r->type == REDIS_REPLY_INTEGER) return reply.set_value(std::to_string(r->integer));
      if (r->type == REDIS_REPLY_NIL) return reply.set_value("<nil>");
      reply.set_value(redis::reply_string(r));
    });
  });
  if (f.wait_for(10s) != std::future_status::ready) return "<timeout>";
  return f.get();
}

std::shared_ptr<redis::ClusterClient> started_client(const TestCluster& cluster,
                                                     std::shared_ptr<redis::Runtime> runtime) {
  auto client = std::make_shared<redis::ClusterClient>(runtime, cluster.seeds);
  runtime->start();
  runtime->post([client] { client->start(); });
  return client;
}

void stop_client(redis::ClusterClient& client) {
  std::promise<void> done;
  client.runtime().post([&] {
    client.stop();
    done.set_value();
  });
  done.get_future().wait_for(5s);
}

// Every test needs the cluster (skipped without it) and a Redis thread.
class RedisClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cluster.available()) GTEST_SKIP() << "PARLEY_TEST_REDIS_CLUSTER_URL not set (scripts/with-redis-cluster)";
  }
  TestCluster cluster;
  std::shared_ptr<redis::Runtime> rt = std::make_shared<redis::Runtime>();
};
using RedisClusterClient = RedisClusterTest;
using RedisClusterBroker = RedisClusterTest;
using RedisClusterPresence = RedisClusterTest;

}  // namespace

TEST_F(RedisClusterClient, RoutesEveryKeyToItsShard) {
  auto client = started_client(cluster, rt);
  ASSERT_TRUE(wait_for([&] { return client->connected(); }));
  EXPECT_EQ(parley::core::metrics().redis_cluster_shards.load(), 3);
  uint64_t moved0 = parley::core::metrics().redis_cluster_moved.load();
  std::set<int> ports;
  for (int i = 0; i < 60; ++i) {
    std::string key = "route-test:" + std::to_string(i);
    ASSERT_EQ(call(*client, key, {"SET", key, std::to_string(i)}), "OK") << key;
    ports.insert(cluster.owner(redis::hash_slot(key)).port);
  }
  EXPECT_EQ(ports.size(), 3u) << "60 keys should cover all three shards";
  for (int i = 0; i < 60; ++i) {
    std::string key = "route-test:" + std::to_string(i);
    EXPECT_EQ(call(*client, key, {"GET", key}), std::to_string(i));
  }
  EXPECT_EQ(parley::core::metrics().redis_cluster_moved.load(), moved0) << "every key went straight to its shard";
  stop_client(*client);
}

TEST_F(RedisClusterClient, FollowsAskDuringASlotMigrationAndMovedAfterIt) {
  auto client = started_client(cluster, rt);
  ASSERT_TRUE(wait_for([&] { return client->connected(); }));

  const std::string old_key = "{migrating}:old", new_key = "{migrating}:new";
  int slot = redis::hash_slot(old_key);
  ASSERT_EQ(call(*client, old_key, {"SET", old_key, "before"}), "OK");
  ClusterNode source = cluster.owner(slot), target;
  for (auto& n : cluster.nodes())
    if (n.primary && n.id != source.id) target = n;
  ASSERT_NE(source.port, 0);
  ASSERT_NE(target.port, 0);
  auto s = std::to_string(slot);
  uint64_t ask0 = parley::core::metrics().redis_cluster_ask.load();
  uint64_t moved0 = parley::core::metrics().redis_cluster_moved.load();

  // Migrating: keys still on the source are served there; a key the source lacks is asked of the target.
  ASSERT_EQ(cluster.cli(target.port, "cluster setslot " + s + " importing " + source.id), "OK");
  ASSERT_EQ(cluster.cli(source.port, "cluster setslot " + s + " migrating " + target.id), "OK");
  EXPECT_EQ(call(*client, old_key, {"GET", old_key}), "before");
  EXPECT_EQ(call(*client, new_key, {"SET", new_key, "during"}), "OK");
  EXPECT_GT(parley::core::metrics().redis_cluster_ask.load(), ask0);
  EXPECT_EQ(cluster.cli(target.port, "cluster countkeysinslot " + s), "1");

  // Migrated: the client's map still names the source, which answers MOVED.
  ASSERT_EQ(cluster.cli(source.port, "migrate 127.0.0.1 " + std::to_string(target.port) + " \"\" 0 5000 keys " + old_key),
            "OK");
  for (auto& n : cluster.nodes())
    if (n.primary) cluster.cli(n.port, "cluster setslot " + s + " node " + target.id);
  EXPECT_EQ(call(*client, old_key, {"GET", old_key}), "before");
  EXPECT_EQ(call(*client, new_key, {"GET", new_key}), "during");
  EXPECT_GT(parley::core::metrics().redis_cluster_moved.load(), moved0);
  // And it learns the new map.
  ASSERT_TRUE(wait_for([&] {
    auto at = client->primary_for(old_key);
    return at && at->port == target.port;
  }));
  stop_client(*client);
}

TEST_F(RedisClusterBroker, DeliversShardedChannelsOnEveryShardOnlyToSubscribers) {
  auto broker = [&] {
    auto client = std::make_shared<redis::ClusterClient>(rt, cluster.seeds);
    auto subscriber = std::make_unique<redis::ShardedSubscriber>(*client);
    return std::make_unique<redis::RedisBroker>(client, std::move(subscriber), "tc:");
  };
  auto a = broker(), b = broker();
  std::mutex m;
  std::map<std::string, std::vector<std::string>> got_b;
  size_t got_a = 0;
  a->set_handler([&](std::string_view, std::string_view) {
    std::lock_guard l(m);
    ++got_a;
  });
  b->set_handler([&](std::string_view c, std::string_view p) {
    std::lock_guard l(m);
    got_b[std::string(c)].emplace_back(p);
  });
  a->start();
  b->start();
  ASSERT_TRUE(wait_for([&] { return a->healthy() && b->healthy(); }));
  // Rooms until every shard has one.
  std::vector<std::string> rooms;
  std::set<int> shards;
  for (int i = 0; shards.size() < 3 && i < 100; ++i) {
    std::string room = "room:r" + std::to_string(i);
    if (shards.insert(cluster.owner(redis::hash_slot("tc:" + room)).port).second) rooms.push_back(room);
  }
  ASSERT_EQ(rooms.size(), 3u);
  for (auto& r : rooms) b->subscribe(r);
  ASSERT_TRUE(wait_for([&] {
    for (auto& r : rooms) {
      auto owner = cluster.owner(redis::hash_slot("tc:" + r));
      if (cluster.cli(owner.port, "pubsub shardnumsub tc:" + r) != "tc:" + r + "\n1") return false;
    }
    return true;
  }));
  for (int i = 0; i < 50; ++i)
    for (auto& r : rooms) a->publish(r, std::to_string(i));
  a->publish("room:nobody", "x");
  ASSERT_TRUE(wait_for([&] {
    std::lock_guard l(m);
    for (auto& r : rooms)
      if (got_b[r].size() < 50) return false;
    return true;
  }));
  std::lock_guard l(m);
  for (auto& r : rooms)
    for (int i = 0; i < 50; ++i) EXPECT_EQ(got_b[r][i], std::to_string(i)) << r;  // in publish order
  EXPECT_EQ(got_a, 0u);
  EXPECT_FALSE(got_b.contains("room:nobody"));
}

TEST_F(RedisClusterPresence, CountsAcrossNodesWithKeysOnSeveralShards) {
  auto client = std::make_shared<redis::ClusterClient>(rt, cluster.seeds);
  redis::RedisPresence n1(client, "n1", "tp:"), n2(client, "n2", "tp:");
  ASSERT_TRUE(wait_for([&] { return client->connected(); }));
  auto join = [](Presence& p, std::string scope, int64_t uid, std::string conn) {
    std::promise<bool> pr;
    auto f = pr.get_future();
    p.join(scope, {uid, "u" + std::to_string(uid)}, conn, [&pr](parley::core::Result<bool> r) { pr.set_value(r.ok() && *r); });
    return f.wait_for(10s) == std::future_status::ready && f.get();
  };
  std::vector<std::string> scopes;
  for (int i = 0; i < 12; ++i) scopes.push_back("s" + std::to_string(i));
  for (auto& s : scopes) {
    EXPECT_TRUE(join(n1, s, 1, "n1:1"));
    EXPECT_FALSE(join(n2, s, 1, "n2:1"));
    EXPECT_TRUE(join(n2, s, 2, "n2:2"));
  }
  std::promise<std::vector<int64_t>> counted;
  auto f = counted.get_future();
  n1.counts(scopes, [&](auto r) { counted.set_value(r.ok() ? *r : std::vector<int64_t>{}); });
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get(), std::vector<int64_t>(scopes.size(), 2));
  std::set<int> shards;
  for (auto& s : scopes) shards.insert(cluster.owner(redis::hash_slot("tp:{presence:" + s + "}:users")).port);
  EXPECT_GE(shards.size(), 2u) << "the scopes should spread over shards";
}

#include "cluster/redis/hash_slot.hpp"

#include <gtest/gtest.h>

#include "cluster/redis/cluster_client.hpp"

namespace parley::cluster::redis {
namespace {

// Expected slots are what `CLUSTER KEYSLOT` answers on Redis 7.
TEST(HashSlot, MatchesRedisClusterKeyslot) {
  EXPECT_EQ(hash_slot("foo"), 12182);
  EXPECT_EQ(hash_slot("somekey"), 11058);
  EXPECT_EQ(hash_slot("123456789"), 0x31C3 % slot_count);  // the CRC16-XMODEM check value
  EXPECT_EQ(hash_slot(""), 0);
}

TEST(HashSlot, HashesOnlyTheFirstNonEmptyTag) {
  EXPECT_EQ(hash_slot("foo{hash_tag}"), 2515);
  EXPECT_EQ(hash_slot("parley:{presence:lobby}:conns"), hash_slot("presence:lobby"));
  EXPECT_EQ(hash_slot("parley:{presence:lobby}:users"), hash_slot("parley:{presence:lobby}:node:n1"));
  EXPECT_EQ(hash_slot("a{}b"), hash_slot("a{}b"));           // empty tag: the whole key
  EXPECT_NE(hash_slot("a{}{b}"), hash_slot("b"));            // only the first "{" counts, and its tag is empty
  EXPECT_EQ(hash_slot("x{y}{z}"), hash_slot("y"));
  EXPECT_EQ(hash_slot("x{unclosed"), hash_slot("x{unclosed"));
}

TEST(RedisClusterUrl, ParsesSeedLists) {
  auto seeds = parse_redis_cluster_url("redis-cluster://127.0.0.1:7000,10.0.0.2:7001");
  ASSERT_TRUE(seeds);
  ASSERT_EQ(seeds->size(), 2u);
  EXPECT_EQ((*seeds)[1].host, "10.0.0.2");
  EXPECT_EQ((*seeds)[1].port, 7001);
  EXPECT_FALSE(parse_redis_cluster_url("redis-cluster://"));
  EXPECT_FALSE(parse_redis_cluster_url("redis-cluster://h1:7000,h2"));
  EXPECT_FALSE(parse_redis_cluster_url("redis-cluster://h1:99999"));
  EXPECT_FALSE(parse_redis_cluster_url("redis://h1:7000"));
}

}  // namespace
}  // namespace parley::cluster::redis

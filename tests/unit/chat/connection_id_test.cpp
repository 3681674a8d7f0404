#include <gtest/gtest.h>

#include "chat/connection_id.hpp"

using parley::chat::ConnectionId;

TEST(ConnectionId, IsNodeColonNumber) {
  const std::string node = "node-1";
  EXPECT_EQ(ConnectionId(node, 42).str(), "node-1:42");
  EXPECT_EQ(ConnectionId(node, 0).str(), "node-1:0");
}

TEST(ConnectionId, EqualsExactlyItsOwnString) {
  const std::string node = "node-1";
  const ConnectionId id(node, 42);
  EXPECT_TRUE(id == "node-1:42");
  EXPECT_FALSE(id == "node-1:4");
  EXPECT_FALSE(id == "node-1:420");
  EXPECT_FALSE(id == "node-1:042") << "another string, though the same number";
  EXPECT_FALSE(id == "node-2:42");
  EXPECT_FALSE(id == "node-11:42");
  EXPECT_FALSE(id == "node:42");
  EXPECT_FALSE(id == "node-1:");
  EXPECT_FALSE(id == "node-1:42x");
  EXPECT_FALSE(id == "");
  EXPECT_TRUE(ConnectionId(node, 0) == "node-1:0");
}

// UserConnections: a cap per user, counted per node, with no entry left for a user who left.
#include "net/user_connections.hpp"

#include <gtest/gtest.h>

namespace parley::net {
namespace {

TEST(UserConnections, CapsEachUserAlone) {
  UserConnections users(2);
  EXPECT_TRUE(users.try_enter(7));
  EXPECT_TRUE(users.try_enter(7));
  EXPECT_FALSE(users.try_enter(7));
  EXPECT_EQ(users.count(7), 2);
  EXPECT_TRUE(users.try_enter(8)) << "another user is not affected";
  users.leave(7);
  EXPECT_TRUE(users.try_enter(7)) << "a connection that ended frees its place";
}

TEST(UserConnections, LeavingEverythingForgetsTheUser) {
  UserConnections users(3);
  users.try_enter(1);
  users.leave(1);
  users.leave(1);  // harmless
  EXPECT_EQ(users.count(1), 0);
  EXPECT_TRUE(users.try_enter(1));
}

TEST(UserConnections, ZeroIsOff) {
  UserConnections users(0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(users.try_enter(1));
  EXPECT_EQ(users.count(1), 0);
}

}  // namespace
}  // namespace parley::net

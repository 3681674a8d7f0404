#include <gtest/gtest.h>

#include "core/redact.hpp"

using parley::core::redact_url;

TEST(RedactUrl, HidesOnlyThePassword) {
  EXPECT_EQ(redact_url("redis://app:s3cr3t@10.0.0.1:6379"), "redis://app:***@10.0.0.1:6379");
  EXPECT_EQ(redact_url("redis://:s3cr3t@h:1/0"), "redis://:***@h:1/0");
  EXPECT_EQ(redact_url("rediss-cluster://u:p%40ss@h1:1,h2:2"), "rediss-cluster://u:***@h1:1,h2:2");
  EXPECT_EQ(redact_url("postgres://parley:pw@db:5432/parley"), "postgres://parley:***@db:5432/parley");
  EXPECT_EQ(redact_url("redis://10.0.0.1:6379"), "redis://10.0.0.1:6379");
  EXPECT_EQ(redact_url("postgres://parley@db/parley"), "postgres://parley@db/parley");
  EXPECT_EQ(redact_url("sqlite:./parley.db"), "sqlite:./parley.db");
  EXPECT_EQ(redact_url("local"), "local");
}

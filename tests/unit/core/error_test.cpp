#include <gtest/gtest.h>

#include "core/error.hpp"

using parley::core::ErrorCode;

TEST(ErrorCode, WireNamesAndStatusesMatchTheContract) {
  EXPECT_EQ(to_string(ErrorCode::rate_limited), "rate_limited");
  EXPECT_EQ(to_string(ErrorCode::too_large), "too_large");
  EXPECT_EQ(http_status(ErrorCode::too_large), 413);
  EXPECT_EQ(http_status(ErrorCode::unavailable), 503);
  EXPECT_EQ(http_status(ErrorCode::conflict), 409);
}

TEST(Result, CarriesEitherValueOrError) {
  parley::core::Result<int> good(7);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  parley::core::Result<int> bad(ErrorCode::not_found, "nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::not_found);
}

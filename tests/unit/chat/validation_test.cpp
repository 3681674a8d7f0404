#include <gtest/gtest.h>

#include "chat/validation.hpp"

using namespace parley::chat;
using parley::core::ErrorCode;
namespace json = boost::json;

TEST(Validation, RoomNames) {
  EXPECT_TRUE(is_valid_room_name("a"));
  EXPECT_TRUE(is_valid_room_name(std::string(64, 'x')));
  EXPECT_TRUE(is_valid_room_name("A-z_0.9"));
  EXPECT_FALSE(is_valid_room_name(""));
  EXPECT_FALSE(is_valid_room_name(std::string(65, 'x')));
  EXPECT_FALSE(is_valid_room_name("with space"));
  EXPECT_FALSE(is_valid_room_name("a\nb"));
  EXPECT_FALSE(is_valid_room_name("émoji"));
}

TEST(Validation, Usernames) {
  EXPECT_TRUE(is_valid_username("bob"));
  EXPECT_TRUE(is_valid_username("a.b-c_9"));
  EXPECT_FALSE(is_valid_username("ab"));
  EXPECT_FALSE(is_valid_username("Bob"));
  EXPECT_FALSE(is_valid_username(std::string(33, 'a')));
}

TEST(Validation, TextCountsCodePointsNotBytes) {
  std::string emoji;
  for (int i = 0; i < 4; ++i) emoji += "\xF0\x9F\x98\x80";  // 4 code points, 16 bytes
  auto ok = text_field(json::object{{"text", emoji}}, "text", 4);
  ASSERT_TRUE(ok);
  auto over = text_field(json::object{{"text", emoji + "a"}}, "text", 4);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::too_large);
  auto empty = text_field(json::object{{"text", ""}}, "text", 4);
  EXPECT_EQ(empty.error().code, ErrorCode::bad_request);
  auto missing = text_field(json::object{}, "text", 4);
  EXPECT_EQ(missing.error().code, ErrorCode::bad_request);
  auto wrong_type = text_field(json::object{{"text", 5}}, "text", 4);
  EXPECT_EQ(wrong_type.error().code, ErrorCode::bad_request);
}

TEST(Validation, OptionalIntegers) {
  EXPECT_FALSE(optional_int_field(json::object{}, "since")->has_value());
  EXPECT_EQ(**optional_int_field(json::object{{"since", 12}}, "since"), 12);
  EXPECT_EQ(**optional_int_field(json::object{{"since", 12.0}}, "since"), 12);
  EXPECT_FALSE(optional_int_field(json::object{{"since", -1}}, "since"));
  EXPECT_FALSE(optional_int_field(json::object{{"since", 1.5}}, "since"));
  EXPECT_FALSE(optional_int_field(json::object{{"since", "3"}}, "since"));
}

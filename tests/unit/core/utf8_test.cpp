#include <gtest/gtest.h>

#include <string>

#include "core/utf8.hpp"

using parley::core::is_valid_utf8;
using parley::core::utf8_code_points;

namespace {

// Builds a string from raw bytes (string literals with \x escapes next to hex letters are error-prone).
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

}  // namespace

TEST(Utf8, EmptyAndAsciiAreValid) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_EQ(utf8_code_points(""), 0u);
  EXPECT_TRUE(is_valid_utf8("hello, world"));
  EXPECT_EQ(utf8_code_points("hello, world"), 12u);
  EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));  // NUL is a valid code point
  EXPECT_EQ(utf8_code_points(std::string(1000, 'x')), 1000u);
}

TEST(Utf8, CountsCodePointsNotBytes) {
  EXPECT_EQ(utf8_code_points("h\xC3\xA9llo"), 5u);              // é: 2 bytes
  EXPECT_EQ(utf8_code_points("\xE2\x82\xAC"), 1u);              // €: 3 bytes
  EXPECT_EQ(utf8_code_points("\xF0\x9F\x98\x80"), 1u);          // 😀: 4 bytes, one code point
  EXPECT_EQ(utf8_code_points("ok \xF0\x9F\x91\x8D!"), 5u);      // "ok 👍!"
  EXPECT_EQ(utf8_code_points("\xE6\x97\xA5\xE6\x9C\xAC"), 2u);  // 日本
}

TEST(Utf8, BoundaryCodePoints) {
  EXPECT_TRUE(is_valid_utf8(bytes({0x7F})));                    // U+007F
  EXPECT_TRUE(is_valid_utf8(bytes({0xC2, 0x80})));              // U+0080
  EXPECT_TRUE(is_valid_utf8(bytes({0xDF, 0xBF})));              // U+07FF
  EXPECT_TRUE(is_valid_utf8(bytes({0xE0, 0xA0, 0x80})));        // U+0800
  EXPECT_TRUE(is_valid_utf8(bytes({0xED, 0x9F, 0xBF})));        // U+D7FF
  EXPECT_TRUE(is_valid_utf8(bytes({0xEE, 0x80, 0x80})));        // U+E000
  EXPECT_TRUE(is_valid_utf8(bytes({0xEF, 0xBF, 0xBF})));        // U+FFFF
  EXPECT_TRUE(is_valid_utf8(bytes({0xF0, 0x90, 0x80, 0x80})));  // U+10000
  EXPECT_TRUE(is_valid_utf8(bytes({0xF4, 0x8F, 0xBF, 0xBF})));  // U+10FFFF
}

TEST(Utf8, RejectsOverlongEncodings) {
  EXPECT_FALSE(is_valid_utf8(bytes({0xC0, 0x80})));              // U+0000 in 2 bytes
  EXPECT_FALSE(is_valid_utf8(bytes({0xC0, 0xAF})));              // '/' in 2 bytes
  EXPECT_FALSE(is_valid_utf8(bytes({0xC1, 0xBF})));              // U+007F in 2 bytes
  EXPECT_FALSE(is_valid_utf8(bytes({0xE0, 0x80, 0xAF})));        // '/' in 3 bytes
  EXPECT_FALSE(is_valid_utf8(bytes({0xE0, 0x9F, 0xBF})));        // U+07FF in 3 bytes
  EXPECT_FALSE(is_valid_utf8(bytes({0xF0, 0x80, 0x80, 0xAF})));  // '/' in 4 bytes
  EXPECT_FALSE(is_valid_utf8(bytes({0xF0, 0x8F, 0xBF, 0xBF})));  // U+FFFF in 4 bytes
}

TEST(Utf8, RejectsSurrogates) {
  EXPECT_FALSE(is_valid_utf8(bytes({0xED, 0xA0, 0x80})));                    // U+D800
  EXPECT_FALSE(is_valid_utf8(bytes({0xED, 0xBF, 0xBF})));                    // U+DFFF
  EXPECT_FALSE(is_valid_utf8(bytes({0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80})));  // CESU-8 pair for 😀
}

TEST(Utf8, RejectsAboveMaxCodePoint) {
  EXPECT_FALSE(is_valid_utf8(bytes({0xF4, 0x90, 0x80, 0x80})));  // U+110000
  EXPECT_FALSE(is_valid_utf8(bytes({0xF5, 0x80, 0x80, 0x80})));
  EXPECT_FALSE(is_valid_utf8(bytes({0xF7, 0xBF, 0xBF, 0xBF})));
  EXPECT_FALSE(is_valid_utf8(bytes({0xF8, 0x88, 0x80, 0x80, 0x80})));  // old 5-byte form
  EXPECT_FALSE(is_valid_utf8(bytes({0xFE})));
  EXPECT_FALSE(is_valid_utf8(bytes({0xFF})));
}

TEST(Utf8, RejectsTruncatedSequences) {
  EXPECT_FALSE(is_valid_utf8(bytes({0xC3})));
  EXPECT_FALSE(is_valid_utf8(bytes({0xE2, 0x82})));
  EXPECT_FALSE(is_valid_utf8(bytes({0xF0, 0x9F, 0x98})));
  EXPECT_FALSE(is_valid_utf8("abc" + bytes({0xF0, 0x9F})));
  EXPECT_FALSE(is_valid_utf8(bytes({0xE2, 0x82}) + "x"));      // continuation replaced by ASCII
  EXPECT_FALSE(is_valid_utf8(bytes({0xF0, 0x9F, 0x98}) + "abcdefghij"));
  EXPECT_EQ(utf8_code_points(bytes({0xF0, 0x9F, 0x98})), std::nullopt);
}

TEST(Utf8, RejectsStrayContinuationBytes) {
  EXPECT_FALSE(is_valid_utf8(bytes({0x80})));
  EXPECT_FALSE(is_valid_utf8(bytes({0xBF})));
  EXPECT_FALSE(is_valid_utf8("abcdefgh" + bytes({0x80}) + "abcdefgh"));
  EXPECT_FALSE(is_valid_utf8(bytes({0xC3, 0xA9, 0xA9})));  // é followed by an extra continuation
}

TEST(Utf8, FastPathBoundaries) {
  // Invalid or multibyte bytes at every offset around the 8-byte blocks must still be seen.
  for (size_t prefix = 0; prefix < 20; ++prefix) {
    const std::string ascii(prefix, 'a');
    EXPECT_FALSE(is_valid_utf8(ascii + bytes({0xFF}) + ascii)) << prefix;
    EXPECT_FALSE(is_valid_utf8(ascii + bytes({0xC3}))) << prefix;
    EXPECT_EQ(utf8_code_points(ascii + "\xF0\x9F\x98\x80" + ascii), 2 * prefix + 1) << prefix;
  }
}

#include <gtest/gtest.h>

#include <string>

#include "core/base64.hpp"

using parley::core::base64_decode;
using parley::core::base64_encode;
using parley::core::base64url_decode;
using parley::core::base64url_encode;

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
}

TEST(Base64, UrlAlphabetAndNoPadding) {
  const std::string data("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64_encode(data), "+/+/");
  EXPECT_EQ(base64url_encode(data), "-_-_");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_decode("-_-_"), data);
  EXPECT_EQ(base64url_decode("Zg"), "f");
  EXPECT_EQ(base64url_decode("Zg=="), "f");  // padding accepted
  EXPECT_EQ(base64url_decode("Zm8"), "fo");
  EXPECT_EQ(base64url_decode("Zm8="), "fo");
}

TEST(Base64, RoundTripsAllByteValuesAndLengths) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t len = 0; len <= all.size(); ++len) {
    const std::string data = all.substr(all.size() - len);
    EXPECT_EQ(base64_decode(base64_encode(data)), data) << len;
    EXPECT_EQ(base64url_decode(base64url_encode(data)), data) << len;
  }
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_EQ(base64_decode("Zg"), std::nullopt);       // standard base64 requires padding
  EXPECT_EQ(base64_decode("Zg="), std::nullopt);
  EXPECT_EQ(base64_decode("Z==="), std::nullopt);
  EXPECT_EQ(base64_decode("===="), std::nullopt);
  EXPECT_EQ(base64_decode("Zm9v\n"), std::nullopt);   // no whitespace
  EXPECT_EQ(base64_decode("Zm 9v"), std::nullopt);
  EXPECT_EQ(base64_decode("-_-_"), std::nullopt);     // url alphabet in standard
  EXPECT_EQ(base64_decode("Zg==Zg=="), std::nullopt); // padding in the middle
  EXPECT_EQ(base64url_decode("+/+/"), std::nullopt);  // standard alphabet in url
  EXPECT_EQ(base64url_decode("Z"), std::nullopt);     // 1 mod 4 cannot be complete
  EXPECT_EQ(base64url_decode("Zg="), std::nullopt);   // partial padding
  EXPECT_EQ(base64url_decode("Zm8=="), std::nullopt);
  EXPECT_EQ(base64url_decode(std::string("Zg\0", 3)), std::nullopt);
}

TEST(Base64, RejectsNonCanonicalTrailingBits) {
  EXPECT_EQ(base64_decode("Zh=="), std::nullopt);   // "Zg==" with low bits set
  EXPECT_EQ(base64_decode("Zm9=" ), std::nullopt);  // "Zm8="
  EXPECT_EQ(base64url_decode("Zh"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9"), std::nullopt);
}

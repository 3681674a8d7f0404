#include "core/json.hpp"

#include <string>

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace parley::core {
namespace {

TEST(ParseJson, AcceptsOrdinaryDocuments) {
  auto v = parse_json(R"({"a":[1,2.5,-3e10,"x",null,true]})");
  ASSERT_TRUE(v);
  EXPECT_EQ(boost::json::serialize(*v), R"({"a":[1,2.5E0,-3E10,"x",null,true]})");
}

TEST(ParseJson, RefusesNumbersThatOverflowToInfinity) {
  // Boost.JSON would keep these as infinity and serialise them as `Infinity`, which is not JSON.
  for (std::string text : {"1E311", "[1,-1E400]", R"({"n":{"m":[4474444E444444]}})"}) {
    auto v = parse_json(text);
    ASSERT_FALSE(v) << text;
    EXPECT_EQ(v.error().code, ErrorCode::bad_request);
    EXPECT_NE(v.error().message.find("out of range"), std::string::npos);
  }
}

TEST(ParseJson, RefusesMalformedTextAndDeepNesting) {
  EXPECT_FALSE(parse_json("{"));
  EXPECT_FALSE(parse_json("[1,]"));
  EXPECT_FALSE(parse_json(std::string(max_json_depth + 1, '[') + std::string(max_json_depth + 1, ']')));
  EXPECT_TRUE(parse_json(std::string(max_json_depth, '[') + std::string(max_json_depth, ']')));
}

// One parser serves a thread's every parse: a failed parse (unfinished, trailing text, too deep) leaves it
// ready for the next, and each value lives on the storage its caller gave.
TEST(ParseJson, EachParseStartsAfreshWhateverTheLastOneDid) {
  for (int round = 0; round < 3; ++round) {
    EXPECT_FALSE(parse_json(R"({"a":[1,)"));
    auto first = parse_json(R"({"b":2})", request_storage());
    ASSERT_TRUE(first);
    EXPECT_EQ(boost::json::serialize(*first), R"({"b":2})");
    EXPECT_FALSE(parse_json("1 2"));
    EXPECT_FALSE(parse_json(std::string(max_json_depth + 1, '[')));
    auto second = parse_json(R"(["x",true])");
    ASSERT_TRUE(second);
    EXPECT_EQ(boost::json::serialize(*second), R"(["x",true])");
    EXPECT_EQ(boost::json::serialize(*first), R"({"b":2})") << "the first value is still whole";
  }
}

}  // namespace
}  // namespace parley::core

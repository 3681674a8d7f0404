#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "protocol/native.hpp"

using namespace parley::protocol;
using parley::core::ErrorCode;

TEST(NativeProtocol, ParsesRequestsWithNumberStringOrNoId) {
  auto r = parse_native_request(R"({"event":"room:join","data":{"room":"a"},"id":7})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->event, "room:join");
  EXPECT_EQ(r->data.at("room").as_string(), "a");
  ASSERT_TRUE(r->id);
  EXPECT_EQ(r->id->as_int64(), 7);
  auto s = parse_native_request(R"({"event":"x","id":"abc"})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id->as_string(), "abc");
  EXPECT_TRUE(s->data.is_null());
  auto n = parse_native_request(R"({"event":"x"})");
  ASSERT_TRUE(n);
  EXPECT_FALSE(n->id);
}

// A request's values live in its own arena: they stay whole in copies that outlive the parsed original, and a
// request bigger than the arena's first block parses whole too.
TEST(NativeProtocol, ARequestsDataOutlivesTheOriginalAndMayBeBiggerThanItsArena) {
  const std::string text(3000, 'x');
  std::optional<Request> copy;
  {
    auto r = parse_native_request(R"({"event":"message:send","data":{"room":"a","text":")" + text +
                                  R"(","tags":["p","q"]},"id":"request-7"})");
    ASSERT_TRUE(r);
    copy = *r;
  }
  EXPECT_EQ(copy->event, "message:send");
  EXPECT_EQ(copy->data.at("text").as_string(), text);
  EXPECT_EQ(copy->data.at("tags").as_array().at(1).as_string(), "q");
  EXPECT_EQ(copy->id->as_string(), "request-7");
  Request moved = std::move(*copy);
  copy.reset();
  EXPECT_EQ(moved.data.at("room").as_string(), "a");
}

TEST(NativeProtocol, RefusesMalformedFramesWithBadRequest) {
  for (const char* bad : {"", "{", "[]", "42", R"({"data":1})", R"({"event":5})", R"({"event":"x","id":{}})",
                          R"({"event":"x","id":[1]})", R"({"event":"x","id":1E311})"}) {
    auto r = parse_native_request(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::bad_request) << bad;
  }
}

TEST(NativeProtocol, EncodesRepliesAndPushesAsTheContractShowsThem) {
  EXPECT_EQ(encode_native_push("e", R"({"a":1})"), R"({"event":"e","data":{"a":1}})");
  // A whole text frame: FIN + text opcode, then the (short, unmasked) payload's length and the payload.
  auto payload_of = [](const std::string& frame) {
    EXPECT_EQ(static_cast<unsigned char>(frame[0]), 0x81);
    EXPECT_EQ(static_cast<size_t>(frame[1]), frame.size() - 2);
    return frame.substr(2);
  };
  EXPECT_EQ(payload_of(encode_native_reply_ok_frame(boost::json::value(3), "{}")), R"({"id":3,"ok":true,"data":{}})");
  EXPECT_EQ(payload_of(encode_native_reply_ok_frame(boost::json::value("q"), "[]")), R"({"id":"q","ok":true,"data":[]})");
  EXPECT_EQ(payload_of(encode_native_reply_ok_frame(boost::json::value(-12), "")), R"({"id":-12,"ok":true,"data":null})");
  EXPECT_EQ(encode_native_reply_error(boost::json::value(1), {ErrorCode::rate_limited, "slow"}),
            R"({"id":1,"ok":false,"error":{"code":"rate_limited","message":"slow"}})");
  EXPECT_EQ(encode_native_error_push({ErrorCode::forbidden, "no"}, "message:send"),
            R"({"event":"error","data":{"code":"forbidden","message":"no","event":"message:send"}})");
  EXPECT_EQ(json_quote("a\"b\n"), R"("a\"b\n")");
}

TEST(NativeProtocol, AppendJsonStringEscapesAsBoostJsonDoes) {
  std::string all_bytes;
  for (int c = 1; c < 0x80; ++c) all_bytes += static_cast<char>(c);
  for (std::string s : {std::string(), std::string("plain"), std::string("a\"b\\c/d"), std::string("\x01\x1f\x7f"),
                        std::string("h\xc3\xa9 \xf0\x9f\x98\x80"), std::string(1, '\0') + "x", all_bytes}) {
    std::string out = "[";
    append_json_string(out, s);
    EXPECT_EQ(out, "[" + boost::json::serialize(boost::json::string_view(s.data(), s.size()))) << s;
  }
}

// The scan goes eight bytes at a time: every character that needs an escape, at every offset in a word and in
// the tail, among clean text and UTF-8 (bytes of 0x80 and up, which look like neither).
TEST(NativeProtocol, AppendJsonStringEscapesAtEveryOffset) {
  const std::string clean = "abcdefgh\xc3\xa9ijklmnopqrstuvwxyz0123456789 ~\x7f\xf0\x9f\x98\x80.";
  for (char special : {'"', '\\', '\0', '\x01', '\n', '\x1f'}) {
    for (size_t length = 0; length <= clean.size(); ++length) {
      for (size_t at = 0; at <= length; ++at) {
        std::string s = clean.substr(0, length);
        s.insert(at, 1, special);
        std::string out;
        append_json_string(out, s);
        ASSERT_EQ(out, boost::json::serialize(boost::json::string_view(s.data(), s.size())))
            << "length " << length << " at " << at << " char " << int(special);
      }
    }
  }
}

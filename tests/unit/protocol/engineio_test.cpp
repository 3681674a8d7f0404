// Engine.IO v4 codec: packets, polling payloads (\x1e, base64 binary), handshake, error bodies.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol/engineio.hpp"

namespace eio = parley::protocol::engineio;
using eio::PacketType;

TEST(EngineIo, DecodesTextPackets) {
  auto p = eio::decode_text_packet("4hello");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, PacketType::message);
  EXPECT_EQ(p->data, "hello");
  EXPECT_FALSE(p->binary);
  auto probe = eio::decode_text_packet("2probe");
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->type, PacketType::ping);
  EXPECT_EQ(probe->data, "probe");
  EXPECT_EQ(eio::decode_text_packet("6")->type, PacketType::noop);
}

TEST(EngineIo, RefusesUnknownTypesAndEmptyPackets) {
  EXPECT_FALSE(eio::decode_text_packet(""));
  EXPECT_FALSE(eio::decode_text_packet("abc"));
  EXPECT_FALSE(eio::decode_text_packet("7x"));
  EXPECT_FALSE(eio::decode_text_packet("b"));  // base64 is for polling only
}

TEST(EngineIo, DecodesAPayloadOfSeveralPackets) {
  auto packets = eio::decode_payload("4test1\x1e" "4test2\x1e" "4test3");
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 3u);
  EXPECT_EQ((*packets)[2].data, "test3");
}

TEST(EngineIo, DecodesBase64BinaryInPolling) {
  auto packets = eio::decode_payload("4hello\x1e" "bAQIDBA==");
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 2u);
  EXPECT_TRUE((*packets)[1].binary);
  EXPECT_EQ((*packets)[1].type, PacketType::message);
  EXPECT_EQ((*packets)[1].data, std::string("\x01\x02\x03\x04", 4));
}

TEST(EngineIo, RefusesAMalformedPayload) {
  EXPECT_FALSE(eio::decode_payload("abc"));
  EXPECT_FALSE(eio::decode_payload(""));
  EXPECT_FALSE(eio::decode_payload("4a\x1e"));       // an empty packet after the separator
  EXPECT_FALSE(eio::decode_payload("4a\x1e" "b!!!"));  // bad base64
}

TEST(EngineIo, EncodesPayloadsRoundTrip) {
  std::vector<eio::Packet> packets = {{PacketType::message, "hello", false},
                                      {PacketType::message, std::string("\x01\x02\x03\x04", 4), true},
                                      {PacketType::ping, "", false}};
  std::string body = eio::encode_payload(packets);
  EXPECT_EQ(body, "4hello\x1e" "bAQIDBA==\x1e" "2");
  auto back = eio::decode_payload(body);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 3u);
  EXPECT_EQ((*back)[1].data, packets[1].data);
  EXPECT_EQ((*back)[2].type, PacketType::ping);
}

TEST(EngineIo, EncodesTheHandshakeWithExactlyTheReferenceKeys) {
  std::string json = eio::encode_handshake({"abc", true, 300, 200, 1000000});
  auto v = boost::json::parse(json).as_object();
  EXPECT_EQ(v.size(), 5u);
  EXPECT_EQ(v["sid"].as_string(), "abc");
  EXPECT_EQ(v["upgrades"].as_array().size(), 1u);
  EXPECT_EQ(v["pingInterval"].as_int64(), 300);
  EXPECT_EQ(v["pingTimeout"].as_int64(), 200);
  EXPECT_EQ(v["maxPayload"].as_int64(), 1000000);
  auto ws = boost::json::parse(eio::encode_handshake({"x", false})).as_object();
  EXPECT_TRUE(ws["upgrades"].as_array().empty());
}

TEST(EngineIo, ErrorBodiesMatchTheReferenceServer) {
  EXPECT_EQ(eio::encode_error_body(eio::error_code::unsupported_protocol_version),
            "{\"code\":5,\"message\":\"Unsupported protocol version\"}");
  EXPECT_EQ(eio::encode_error_body(eio::error_code::unknown_sid), "{\"code\":1,\"message\":\"Session ID unknown\"}");
}

TEST(EngineIo, ParsesTransports) {
  EXPECT_EQ(eio::parse_transport("polling"), eio::Transport::polling);
  EXPECT_EQ(eio::parse_transport("websocket"), eio::Transport::websocket);
  EXPECT_FALSE(eio::parse_transport("abc"));
}

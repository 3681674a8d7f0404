// Socket.IO v5 codec: every packet type, namespaces, ack ids, binary attachments, validation.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol/socketio.hpp"

namespace sio = parley::protocol::socketio;
using sio::PacketType;

TEST(SocketIo, DecodesConnect) {
  auto p = sio::decode("0");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, PacketType::connect);
  EXPECT_EQ(p->nsp, "/");
  EXPECT_FALSE(p->data);
  auto with_auth = sio::decode("0{\"token\":\"123\"}");
  ASSERT_TRUE(with_auth);
  EXPECT_EQ(with_auth->data->as_object().at("token").as_string(), "123");
  auto custom = sio::decode("0/custom,{\"token\":\"abc\"}");
  ASSERT_TRUE(custom);
  EXPECT_EQ(custom->nsp, "/custom");
  EXPECT_TRUE(custom->data->is_object());
  auto bare = sio::decode("0/random");  // a namespace without the trailing comma
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->nsp, "/random");
}

TEST(SocketIo, DecodesEventsWithAndWithoutAckIds) {
  auto p = sio::decode("2[\"room:join\",{\"room\":\"x\"}]");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, PacketType::event);
  EXPECT_FALSE(p->id);
  EXPECT_EQ(p->data->as_array().at(0).as_string(), "room:join");
  auto acked = sio::decode("2456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]");
  ASSERT_TRUE(acked);
  EXPECT_EQ(acked->id, 456u);
  EXPECT_EQ(acked->data->as_array().size(), 4u);
  auto nsp = sio::decode("2/admin,12[\"x\"]");
  ASSERT_TRUE(nsp);
  EXPECT_EQ(nsp->nsp, "/admin");
  EXPECT_EQ(nsp->id, 12u);
}

TEST(SocketIo, DecodesBinaryHeaders) {
  auto p = sio::decode("52-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, PacketType::binary_event);
  EXPECT_EQ(p->attachments, 2u);
  auto ack = sio::decode("52-789[\"message-with-ack\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->id, 789u);
  auto back = sio::decode("62-/nsp,5[{\"_placeholder\":true,\"num\":1}]");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->type, PacketType::binary_ack);
  EXPECT_EQ(back->nsp, "/nsp");
}

TEST(SocketIo, RefusesMalformedPackets) {
  EXPECT_FALSE(sio::decode(""));
  EXPECT_FALSE(sio::decode("abc"));                       // unknown type
  EXPECT_FALSE(sio::decode("7"));
  EXPECT_FALSE(sio::decode("2{}"));                       // an event needs an array
  EXPECT_FALSE(sio::decode("2[]"));
  EXPECT_FALSE(sio::decode("2[{}]"));                     // the name must be a string or number
  EXPECT_FALSE(sio::decode("2[\"connect\"]"));            // reserved name
  EXPECT_FALSE(sio::decode("2abc[\"x\"]"));               // invalid ack id
  EXPECT_FALSE(sio::decode("2[\"x\""));                   // broken JSON
  EXPECT_FALSE(sio::decode("1{}"));                       // disconnect has no data
  EXPECT_FALSE(sio::decode("0[1]"));                      // connect data is an object
  EXPECT_FALSE(sio::decode("3{}"));                       // ack data is an array
  EXPECT_FALSE(sio::decode("5[\"x\"]"));                  // binary without a count
  EXPECT_FALSE(sio::decode("5x-[\"x\"]"));
  EXPECT_FALSE(sio::decode("51-[\"x\",{\"_placeholder\":true,\"num\":1}]"));  // placeholder out of range
  EXPECT_FALSE(sio::decode("5999-[\"x\"]"));              // too many attachments
  EXPECT_FALSE(sio::decode("21234567890123456[\"x\"]"));  // ack id too long
  EXPECT_FALSE(sio::decode("35[1,1E311]"));                // a number JSON cannot carry back (infinity)
}

TEST(SocketIo, EncodesEveryShape) {
  EXPECT_EQ(sio::encode(PacketType::event, "/", std::nullopt, "[\"a\",1]"), "2[\"a\",1]");
  EXPECT_EQ(sio::encode(PacketType::ack, "/", 7, "[1]"), "37[1]");
  EXPECT_EQ(sio::encode(PacketType::event, "/custom", std::nullopt, "[\"auth\",{}]"), "2/custom,[\"auth\",{}]");
  EXPECT_EQ(sio::encode(PacketType::binary_ack, "/", 789, "[{\"_placeholder\":true,\"num\":0}]", 1),
            "61-789[{\"_placeholder\":true,\"num\":0}]");
  EXPECT_EQ(sio::encode(PacketType::disconnect, "/", std::nullopt, ""), "1");
  EXPECT_EQ(sio::encode_connect_ok("/", "abc"), "0{\"sid\":\"abc\"}");
  EXPECT_EQ(sio::encode_connect_ok("/custom", "abc"), "0/custom,{\"sid\":\"abc\"}");
  EXPECT_EQ(sio::encode_connect_error("/random", "Invalid namespace"), "4/random,{\"message\":\"Invalid namespace\"}");
  EXPECT_EQ(sio::encode_connect_error("/", "bad", "{\"code\":\"unauthorized\"}"),
            "4{\"message\":\"bad\",\"data\":{\"code\":\"unauthorized\"}}");
  EXPECT_EQ(sio::encode_ack(3, "{\"ok\":true,\"data\":null}"), "33[{\"ok\":true,\"data\":null}]");
}

TEST(SocketIo, RoundTripsDecodedPackets) {
  for (std::string text : {"2[\"message\",1,\"2\",{\"3\":[true]}]", "2/custom,9[\"x\"]",
                           "52-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
                           "0/custom,{\"token\":\"abc\"}", "1/custom,", "3[]"}) {
    auto p = sio::decode(text);
    ASSERT_TRUE(p) << text;
    auto again = sio::decode(sio::encode(*p));
    ASSERT_TRUE(again) << text;
    EXPECT_EQ(sio::encode(*again), sio::encode(*p)) << text;
  }
}

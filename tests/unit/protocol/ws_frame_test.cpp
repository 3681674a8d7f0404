#include "protocol/ws_frame.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "protocol/ws_handshake.hpp"

namespace parley::protocol::ws {
namespace {

using Bytes = std::vector<uint8_t>;
using Status = FrameParser::Status;

Bytes bytes(std::initializer_list<int> list) {
  Bytes b;
  for (int v : list) b.push_back(static_cast<uint8_t>(v));
  return b;
}

void append(Bytes& to, const Bytes& more) { to.insert(to.end(), more.begin(), more.end()); }

struct FrameSpec {
  uint8_t opcode = 1;
  std::string payload;
  bool fin = true;
  bool masked = true;
  uint8_t rsv = 0;              // bits 0x70
  int length_form = 0;          // 0: minimal, 126 / 127: force that form
  std::array<uint8_t, 4> key = {0x37, 0xfa, 0x21, 0x3d};
};

// A client->server frame as a browser would send it (or deliberately broken).
Bytes client_frame(const FrameSpec& s) {
  Bytes f;
  f.push_back(static_cast<uint8_t>((s.fin ? 0x80 : 0) | s.rsv | s.opcode));
  const uint64_t n = s.payload.size();
  const uint8_t mask_bit = s.masked ? 0x80 : 0;
  int form = s.length_form;
  if (form == 0) form = n < 126 ? 0 : n <= 0xFFFF ? 126 : 127;
  if (form == 0) {
    f.push_back(static_cast<uint8_t>(mask_bit | n));
  } else if (form == 126) {
    f.push_back(mask_bit | 126);
    f.push_back(static_cast<uint8_t>(n >> 8));
    f.push_back(static_cast<uint8_t>(n));
  } else {
    f.push_back(mask_bit | 127);
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<uint8_t>(n >> (8 * i)));
  }
  if (s.masked) f.insert(f.end(), s.key.begin(), s.key.end());
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<uint8_t>(s.payload[i]);
    f.push_back(s.masked ? static_cast<uint8_t>(c ^ s.key[i % 4]) : c);
  }
  return f;
}

Bytes text_frame(std::string payload, bool fin = true, uint8_t opcode = 1) {
  FrameSpec s;
  s.opcode = opcode;
  s.payload = std::move(payload);
  s.fin = fin;
  return client_frame(s);
}

struct Result {
  std::vector<Message> messages;
  Status last = Status::need_more;
  uint16_t close_code = 0;
  size_t consumed = 0;
};

// Feeds `input` in chunks of `chunk` bytes (0: all at once), collecting messages until an error.
Result feed(FrameParser& parser, const Bytes& input, size_t chunk = 0) {
  Result r;
  if (chunk == 0) chunk = input.size() ? input.size() : 1;
  size_t offset = 0;
  while (offset < input.size()) {
    const size_t end = std::min(input.size(), offset + chunk);
    while (offset < end) {
      Message m;
      const auto o = parser.parse(input.data() + offset, end - offset, m);
      EXPECT_LE(o.consumed, end - offset);
      offset += o.consumed;
      r.consumed = offset;
      r.last = o.status;
      if (o.status == Status::error) {
        r.close_code = o.close_code;
        return r;
      }
      if (o.status == Status::message) {
        EXPECT_GT(o.consumed, 0u);
        r.messages.push_back(std::move(m));
      } else {
        EXPECT_EQ(offset, end);
      }
    }
  }
  return r;
}

Result feed_all(const Bytes& input, size_t max = 1 << 20, size_t chunk = 0) {
  FrameParser parser(max);
  return feed(parser, input, chunk);
}

uint16_t error_of(const Bytes& input, size_t max = 1 << 20) {
  const auto r = feed_all(input, max);
  EXPECT_EQ(r.last, Status::error);
  return r.close_code;
}

// --- RFC 6455 §5.7 examples -------------------------------------------------------------------------------

TEST(WsFrameParser, Rfc57MaskedHello) {
  const Bytes in = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  FrameParser parser(1024);
  Message m;
  const auto o = parser.parse(in.data(), in.size(), m);
  ASSERT_EQ(o.status, Status::message);
  EXPECT_EQ(o.consumed, in.size());
  EXPECT_EQ(m.opcode, Opcode::text);
  EXPECT_EQ(m.payload, "Hello");
  EXPECT_EQ(parser.buffered_bytes(), 0u);
}

TEST(WsFrameParser, Rfc57FragmentedHello) {
  // The RFC's example is unmasked (server->client); a client sends the same frames masked.
  Bytes in = text_frame("Hel", false);
  EXPECT_EQ(in[0], 0x01);
  Bytes second = text_frame("lo", true, 0);
  EXPECT_EQ(second[0], 0x80);
  append(in, second);
  FrameParser parser(1024);
  Message m;
  const auto o = parser.parse(in.data(), in.size(), m);
  ASSERT_EQ(o.status, Status::message);
  EXPECT_EQ(o.consumed, in.size());
  EXPECT_EQ(m.opcode, Opcode::text);
  EXPECT_EQ(m.payload, "Hello");
}

TEST(WsFrameParser, Rfc57PingAndMaskedPong) {
  FrameSpec ping;
  ping.opcode = 9;
  ping.payload = "Hello";
  Bytes in = client_frame(ping);
  // The RFC's masked pong verbatim.
  append(in, bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  const auto r = feed_all(in);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].opcode, Opcode::ping);
  EXPECT_EQ(r.messages[0].payload, "Hello");
  EXPECT_EQ(r.messages[1].opcode, Opcode::pong);
  EXPECT_EQ(r.messages[1].payload, "Hello");
}

TEST(WsFrameParser, Length126Form) {
  const std::string payload(256, 'x');
  FrameSpec s;
  s.opcode = 2;
  s.payload = payload;
  const Bytes in = client_frame(s);
  EXPECT_EQ(in[1], 0x80 | 126);
  EXPECT_EQ(in[2], 0x01);
  EXPECT_EQ(in[3], 0x00);
  const auto r = feed_all(in);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].opcode, Opcode::binary);
  EXPECT_EQ(r.messages[0].payload, payload);
}

TEST(WsFrameParser, Length127Form) {
  std::string payload(65536, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7);
  FrameSpec s;
  s.opcode = 2;
  s.payload = payload;
  const Bytes in = client_frame(s);
  EXPECT_EQ(in[1], 0x80 | 127);
  EXPECT_EQ(in.size(), 2 + 8 + 4 + 65536u);
  const auto r = feed_all(in, 65536);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].payload, payload);
}

TEST(WsFrameParser, BoundaryLengths) {
  for (size_t n : {0u, 1u, 7u, 8u, 9u, 125u, 126u, 127u, 65535u, 65536u, 70000u}) {
    FrameSpec s;
    s.opcode = 2;
    s.payload.assign(n, '\xA5');
    const auto r = feed_all(client_frame(s), 1 << 20);
    ASSERT_EQ(r.messages.size(), 1u) << n;
    EXPECT_EQ(r.messages[0].payload, s.payload) << n;
  }
}

// --- Chunking ----------------------------------------------------------------------------------------------

Bytes mixed_stream() {
  Bytes in;
  append(in, text_frame("first"));
  append(in, text_frame("sec", false));
  FrameSpec ping;
  ping.opcode = 9;
  ping.payload = "are you there";
  ping.key = {1, 2, 3, 4};
  append(in, client_frame(ping));  // control frame in the middle of a fragmented message
  append(in, text_frame("o", false, 0));
  append(in, text_frame("nd", true, 0));
  FrameSpec big;
  big.opcode = 2;
  big.payload.assign(300, '\0');
  for (size_t i = 0; i < 300; ++i) big.payload[i] = static_cast<char>(i);
  big.key = {0xde, 0xad, 0xbe, 0xef};
  append(in, client_frame(big));
  append(in, text_frame(""));
  append(in, text_frame("h\xC3\xA9llo \xE2\x82\xAC"));
  FrameSpec close;
  close.opcode = 8;
  close.payload = std::string("\x03\xE8", 2) + "bye";
  append(in, client_frame(close));
  return in;
}

void expect_mixed(const Result& r) {
  ASSERT_EQ(r.last, Status::message);
  ASSERT_EQ(r.messages.size(), 7u);
  EXPECT_EQ(r.messages[0].payload, "first");
  EXPECT_EQ(r.messages[1].opcode, Opcode::ping);
  EXPECT_EQ(r.messages[1].payload, "are you there");
  EXPECT_EQ(r.messages[2].opcode, Opcode::text);
  EXPECT_EQ(r.messages[2].payload, "second");
  EXPECT_EQ(r.messages[3].opcode, Opcode::binary);
  ASSERT_EQ(r.messages[3].payload.size(), 300u);
  for (size_t i = 0; i < 300; ++i) EXPECT_EQ(static_cast<uint8_t>(r.messages[3].payload[i]), i & 0xFF);
  EXPECT_EQ(r.messages[4].payload, "");
  EXPECT_EQ(r.messages[5].opcode, Opcode::text);
  EXPECT_EQ(r.messages[5].payload, "h\xC3\xA9llo \xE2\x82\xAC");
  EXPECT_EQ(r.messages[6].opcode, Opcode::close);
}

TEST(WsFrameParser, SeveralFramesInOneBuffer) {
  const auto r = feed_all(mixed_stream());
  ASSERT_EQ(r.messages.size(), 7u);
  expect_mixed(r);
  EXPECT_EQ(r.messages[6].opcode, Opcode::close);
  EXPECT_EQ(decode_close(r.messages[6].payload), std::make_pair(close_code::normal, std::string("bye")));
}

TEST(WsFrameParser, ByteByByte) {
  const Bytes in = mixed_stream();
  FrameParser parser(1 << 20);
  std::vector<Message> got;
  for (size_t i = 0; i < in.size(); ++i) {
    Message m;
    const auto o = parser.parse(&in[i], 1, m);
    ASSERT_NE(o.status, Status::error) << "at byte " << i;
    EXPECT_EQ(o.consumed, 1u);
    if (o.status == Status::message) got.push_back(std::move(m));
  }
  ASSERT_EQ(got.size(), 7u);
  Result r;
  r.messages = std::move(got);
  r.last = Status::message;
  expect_mixed(r);
  EXPECT_EQ(parser.buffered_bytes(), 0u);
}

TEST(WsFrameParser, EverySplitPoint) {
  const Bytes in = mixed_stream();
  for (size_t split = 0; split <= in.size(); ++split) {
    FrameParser parser(1 << 20);
    std::vector<Message> got;
    size_t offset = 0;
    for (size_t end : {split, in.size()}) {
      while (offset < end) {
        Message m;
        const auto o = parser.parse(in.data() + offset, end - offset, m);
        ASSERT_NE(o.status, Status::error);
        offset += o.consumed;
        if (o.status == Status::message) got.push_back(std::move(m));
      }
    }
    ASSERT_EQ(got.size(), 7u) << "split " << split;
    EXPECT_EQ(got[2].payload, "second");
  }
}

TEST(WsFrameParser, ChunkSizes) {
  const Bytes in = mixed_stream();
  for (size_t chunk = 1; chunk < 40; ++chunk) {
    const auto r = feed_all(in, 1 << 20, chunk);
    ASSERT_EQ(r.messages.size(), 7u) << chunk;
    expect_mixed(r);
  }
}

TEST(WsFrameParser, EmptyInputNeedsMore) {
  FrameParser parser(100);
  Message m;
  const auto o = parser.parse(nullptr, 0, m);
  EXPECT_EQ(o.status, Status::need_more);
  EXPECT_EQ(o.consumed, 0u);
}

TEST(WsFrameParser, StopsAfterEachMessage) {
  Bytes in = text_frame("a");
  append(in, text_frame("b"));
  FrameParser parser(100);
  Message m;
  auto o = parser.parse(in.data(), in.size(), m);
  ASSERT_EQ(o.status, Status::message);
  EXPECT_EQ(o.consumed, in.size() / 2);
  EXPECT_EQ(m.payload, "a");
  o = parser.parse(in.data() + o.consumed, in.size() - o.consumed, m);
  ASSERT_EQ(o.status, Status::message);
  EXPECT_EQ(m.payload, "b");
}

TEST(WsFrameParser, BufferedBytesTracksPartialData) {
  Bytes in = text_frame("hello", false);
  append(in, text_frame("wor", false, 0));
  FrameParser parser(100);
  Message m;
  auto o = parser.parse(in.data(), 3, m);  // 3 header bytes
  EXPECT_EQ(o.status, Status::need_more);
  EXPECT_EQ(parser.buffered_bytes(), 3u);
  o = parser.parse(in.data() + 3, in.size() - 3, m);
  EXPECT_EQ(o.status, Status::need_more);
  EXPECT_EQ(parser.buffered_bytes(), 8u);  // "hellowor"
  const Bytes last = text_frame("ld", true, 0);
  o = parser.parse(last.data(), last.size(), m);
  ASSERT_EQ(o.status, Status::message);
  EXPECT_EQ(m.payload, "helloworld");
  EXPECT_EQ(parser.buffered_bytes(), 0u);
}

TEST(WsFrameParser, BinaryIsNotUtf8Checked) {
  const auto r = feed_all(text_frame("\xFF\xFE", true, 2));
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].payload, "\xFF\xFE");
}

TEST(WsFrameParser, Utf8CharacterSplitAcrossFragmentsIsValid) {
  Bytes in = text_frame("\xE2\x82", false);
  append(in, text_frame("\xAC", true, 0));
  const auto r = feed_all(in);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].payload, "\xE2\x82\xAC");
}

TEST(WsFrameParser, EmptyCloseAndValidCodes) {
  FrameSpec close;
  close.opcode = 8;
  auto r = feed_all(client_frame(close));
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].opcode, Opcode::close);
  EXPECT_EQ(decode_close(r.messages[0].payload).first, close_code::no_status);
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4001, 4999}) {
    close.payload = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    r = feed_all(client_frame(close));
    ASSERT_EQ(r.messages.size(), 1u) << code;
    EXPECT_EQ(decode_close(r.messages[0].payload).first, code);
  }
}

// --- Errors ------------------------------------------------------------------------------------------------

TEST(WsFrameParserErrors, UnmaskedFrame) {
  FrameSpec s;
  s.payload = "hi";
  s.masked = false;
  EXPECT_EQ(error_of(client_frame(s)), close_code::protocol_error);
}

TEST(WsFrameParserErrors, ReservedBits) {
  for (uint8_t rsv : {0x40, 0x20, 0x10}) {
    FrameSpec s;
    s.payload = "hi";
    s.rsv = rsv;
    EXPECT_EQ(error_of(client_frame(s)), close_code::protocol_error) << int(rsv);
  }
}

TEST(WsFrameParserErrors, UnknownOpcodes) {
  for (uint8_t op : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
    FrameSpec s;
    s.opcode = op;
    EXPECT_EQ(error_of(client_frame(s)), close_code::protocol_error) << int(op);
  }
}

TEST(WsFrameParserErrors, ControlFrameTooLong) {
  for (uint8_t op : {8, 9, 10}) {
    FrameSpec s;
    s.opcode = op;
    s.payload = std::string("\x03\xE8", 2) + std::string(124, 'a');  // 126 bytes
    EXPECT_EQ(error_of(client_frame(s)), close_code::protocol_error) << int(op);
  }
  FrameSpec ok;
  ok.opcode = 9;
  ok.payload.assign(125, 'p');
  const auto r = feed_all(client_frame(ok));
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].payload.size(), 125u);
}

TEST(WsFrameParserErrors, FragmentedControlFrame) {
  FrameSpec s;
  s.opcode = 9;
  s.fin = false;
  EXPECT_EQ(error_of(client_frame(s)), close_code::protocol_error);
}

TEST(WsFrameParserErrors, ContinuationWithoutMessage) {
  EXPECT_EQ(error_of(text_frame("x", true, 0)), close_code::protocol_error);
  // Also right after a complete message.
  Bytes in = text_frame("done");
  append(in, text_frame("x", true, 0));
  const auto r = feed_all(in);
  EXPECT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.last, Status::error);
  EXPECT_EQ(r.close_code, close_code::protocol_error);
}

TEST(WsFrameParserErrors, NewDataFrameInsideFragmentedMessage) {
  for (uint8_t op : {1, 2}) {
    Bytes in = text_frame("part", false);
    append(in, text_frame("new", true, op));
    EXPECT_EQ(error_of(in), close_code::protocol_error) << int(op);
  }
}

TEST(WsFrameParserErrors, LengthTopBitSet) {
  Bytes in = bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4});
  EXPECT_EQ(error_of(in), close_code::protocol_error);
}

TEST(WsFrameParserErrors, NonMinimalLength) {
  FrameSpec s;
  s.opcode = 2;
  s.payload = "abc";
  s.length_form = 126;
  EXPECT_EQ(error_of(client_frame(s)), close_code::protocol_error);
  s.length_form = 127;
  EXPECT_EQ(error_of(client_frame(s)), close_code::protocol_error);
  s.payload.assign(200, 'a');
  EXPECT_EQ(error_of(client_frame(s)), close_code::protocol_error);
}

TEST(WsFrameParserErrors, InvalidUtf8Text) {
  EXPECT_EQ(error_of(text_frame("bad \xFF")), close_code::invalid_payload);
  EXPECT_EQ(error_of(text_frame("\xC0\xAF")), close_code::invalid_payload);          // overlong
  EXPECT_EQ(error_of(text_frame("\xED\xA0\x80")), close_code::invalid_payload);      // surrogate
  EXPECT_EQ(error_of(text_frame("\xF4\x90\x80\x80")), close_code::invalid_payload);  // > U+10FFFF
  Bytes in = text_frame("ok \xE2\x82", false);  // truncated at the end of the message
  append(in, text_frame("", true, 0));
  EXPECT_EQ(error_of(in), close_code::invalid_payload);
}

TEST(WsFrameParserErrors, CloseOneBytePayload) {
  FrameSpec s;
  s.opcode = 8;
  s.payload = "\x03";
  EXPECT_EQ(error_of(client_frame(s)), close_code::protocol_error);
}

TEST(WsFrameParserErrors, CloseInvalidCodes) {
  for (int code : {0, 999, 1004, 1005, 1006, 1012, 1015, 1016, 2000, 2999, 5000, 65535}) {
    FrameSpec s;
    s.opcode = 8;
    s.payload = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    EXPECT_EQ(error_of(client_frame(s)), close_code::protocol_error) << code;
  }
}

TEST(WsFrameParserErrors, CloseReasonNotUtf8) {
  FrameSpec s;
  s.opcode = 8;
  s.payload = std::string("\x03\xE8", 2) + "\xFF";
  EXPECT_EQ(error_of(client_frame(s)), close_code::invalid_payload);
}

TEST(WsFrameParserErrors, OversizeDetectedFromHeaderAlone) {
  FrameSpec s;
  s.opcode = 2;
  s.payload.assign(1001, 'z');
  const Bytes in = client_frame(s);
  FrameParser parser(1000);
  Message m;
  const size_t header_len = 2 + 2 + 4;
  const auto o = parser.parse(in.data(), header_len, m);  // only the header: no payload byte given
  ASSERT_EQ(o.status, Status::error);
  EXPECT_EQ(o.close_code, close_code::too_big);
  EXPECT_EQ(o.consumed, header_len);
  EXPECT_EQ(parser.buffered_bytes(), 0u);
  // A huge announced length is rejected the same way, without reserving memory for it.
  const Bytes huge = bytes({0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4});  // 4 GiB
  EXPECT_EQ(error_of(huge, 1000), close_code::too_big);
}

TEST(WsFrameParserErrors, OversizeAcrossFragments) {
  Bytes in = text_frame(std::string(600, 'a'), false);
  append(in, text_frame(std::string(401, 'b'), true, 0));
  FrameParser parser(1000);
  const auto r = feed(parser, in);
  EXPECT_EQ(r.last, Status::error);
  EXPECT_EQ(r.close_code, close_code::too_big);
  EXPECT_EQ(r.consumed, in.size() - 401);  // stopped right after the second header

  Bytes exact = text_frame(std::string(600, 'a'), false);
  append(exact, text_frame(std::string(400, 'b'), true, 0));
  const auto ok = feed_all(exact, 1000);
  ASSERT_EQ(ok.messages.size(), 1u);
  EXPECT_EQ(ok.messages[0].payload.size(), 1000u);
}

TEST(WsFrameParserErrors, ControlFramesDoNotCountTowardsTheLimit) {
  FrameSpec ping;
  ping.opcode = 9;
  ping.payload.assign(100, 'p');
  const auto r = feed_all(client_frame(ping), 10);
  ASSERT_EQ(r.messages.size(), 1u);
}

TEST(WsFrameParserErrors, ErrorIsSticky) {
  FrameSpec s;
  s.masked = false;
  const Bytes bad = client_frame(s);
  FrameParser parser(100);
  Message m;
  auto o = parser.parse(bad.data(), bad.size(), m);
  ASSERT_EQ(o.status, Status::error);
  EXPECT_EQ(o.consumed, 2u);  // the error is known after the first two bytes
  const Bytes good = text_frame("fine");
  o = parser.parse(good.data(), good.size(), m);
  EXPECT_EQ(o.status, Status::error);
  EXPECT_EQ(o.consumed, 0u);
  EXPECT_EQ(o.close_code, close_code::protocol_error);
}

TEST(WsFrameParserErrors, ErrorsSurviveByteByByteFeeding) {
  Bytes in = text_frame("part", false);
  append(in, text_frame("bad \xFF", true, 0));
  const auto r = feed_all(in, 1 << 20, 1);
  EXPECT_EQ(r.last, Status::error);
  EXPECT_EQ(r.close_code, close_code::invalid_payload);
  EXPECT_EQ(r.consumed, in.size());
}

// --- Property: random messages, random fragmentation, random chunking --------------------------------------

TEST(WsFrameParser, RandomRoundTrip) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    std::vector<Message> expected;
    Bytes in;
    const int count = 1 + rng() % 6;
    for (int i = 0; i < count; ++i) {
      Message msg;
      msg.opcode = rng() % 2 ? Opcode::text : Opcode::binary;
      const size_t len = rng() % 3 == 0 ? rng() % 70000 : rng() % 200;
      msg.payload.resize(len);
      for (auto& c : msg.payload) c = msg.opcode == Opcode::text ? static_cast<char>('a' + rng() % 26)
                                                                 : static_cast<char>(rng());
      size_t offset = 0;
      bool first = true;
      do {
        const size_t piece = std::min<size_t>(len - offset, rng() % 3 == 0 ? len : rng() % 500);
        FrameSpec s;
        s.opcode = first ? static_cast<uint8_t>(msg.opcode) : 0;
        s.payload = msg.payload.substr(offset, piece);
        offset += piece;
        s.fin = offset == len;
        for (auto& k : s.key) k = static_cast<uint8_t>(rng());
        append(in, client_frame(s));
        first = false;
        if (!s.fin && rng() % 4 == 0) {
          FrameSpec pong;
          pong.opcode = 10;
          pong.payload = "pong";
          append(in, client_frame(pong));
          expected.push_back(Message{Opcode::pong, "pong"});
        }
      } while (offset < len);
      expected.push_back(std::move(msg));
    }
    const size_t chunk = 1 + rng() % 5000;
    const auto r = feed_all(in, 1 << 20, chunk);
    ASSERT_EQ(r.messages.size(), expected.size()) << "round " << round;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(r.messages[i].opcode, expected[i].opcode);
      EXPECT_EQ(r.messages[i].payload, expected[i].payload);
    }
  }
}

// --- Encoding ----------------------------------------------------------------------------------------------

TEST(WsFrameEncode, HeaderLengths) {
  uint8_t h[10];
  ASSERT_EQ(encode_header(Opcode::text, 0, h), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 0);
  ASSERT_EQ(encode_header(Opcode::binary, 125, h), 2u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 125);
  ASSERT_EQ(encode_header(Opcode::text, 126, h), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ(h[2], 0x00);
  EXPECT_EQ(h[3], 126);
  ASSERT_EQ(encode_header(Opcode::text, 65535, h), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ(h[2], 0xFF);
  EXPECT_EQ(h[3], 0xFF);
  ASSERT_EQ(encode_header(Opcode::text, 65536, h), 10u);
  EXPECT_EQ(h[1], 127);
  const uint8_t want[8] = {0, 0, 0, 0, 0, 1, 0, 0};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(h[2 + i], want[i]) << i;
  ASSERT_EQ(encode_header(Opcode::text, 0x0102030405060708ULL, h), 10u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(h[2 + i], i + 1);
}

TEST(WsFrameEncode, FinAndOpcodes) {
  uint8_t h[10];
  encode_header(Opcode::text, 3, h, false);
  EXPECT_EQ(h[0], 0x01);
  encode_header(Opcode::continuation, 3, h, true);
  EXPECT_EQ(h[0], 0x80);
  encode_header(Opcode::ping, 0, h);
  EXPECT_EQ(h[0], 0x89);
  encode_header(Opcode::pong, 0, h);
  EXPECT_EQ(h[0], 0x8A);
}

TEST(WsFrameEncode, FrameMatchesRfcUnmaskedHello) {
  const std::string f = encode_frame(Opcode::text, "Hello");
  EXPECT_EQ(f, std::string("\x81\x05Hello", 7));
  const std::string ping = encode_frame(Opcode::ping, "Hello");
  EXPECT_EQ(ping, std::string("\x89\x05Hello", 7));
  const std::string big = encode_frame(Opcode::binary, std::string(256, 'b'));
  EXPECT_EQ(big.substr(0, 4), std::string("\x82\x7E\x01\x00", 4));
  EXPECT_EQ(big.size(), 260u);
}

TEST(WsFrameEncode, CloseRoundTrip) {
  const std::string f = encode_close(close_code::too_slow, "too slow");
  EXPECT_EQ(f.substr(0, 4), std::string("\x88\x0A\x0F\xA8", 4));
  EXPECT_EQ(decode_close(std::string_view(f).substr(2)),
            std::make_pair(close_code::too_slow, std::string("too slow")));
  EXPECT_EQ(encode_close(close_code::normal), std::string("\x88\x02\x03\xE8", 4));
  EXPECT_EQ(encode_close(close_code::no_status), std::string("\x88\x00", 2));
  EXPECT_EQ(decode_close(""), std::make_pair(close_code::no_status, std::string()));
  EXPECT_EQ(decode_close("\x03").first, close_code::protocol_error);
}

TEST(WsFrameEncode, CloseReasonTruncatedAtCharacterBoundary) {
  std::string reason(122, 'a');
  reason += "\xE2\x82\xAC";  // a 3-byte character straddling byte 123
  const std::string f = encode_close(close_code::policy, reason);
  ASSERT_LE(f.size(), 2u + 125u);
  const auto [code, got] = decode_close(std::string_view(f).substr(2));
  EXPECT_EQ(code, close_code::policy);
  EXPECT_EQ(got, std::string(122, 'a'));
  EXPECT_EQ(decode_close(std::string_view(encode_close(1000, std::string(500, 'x'))).substr(2)).second.size(),
            123u);
}

TEST(WsFrameEncode, CloseCodeValidity) {
  EXPECT_TRUE(is_valid_close_code(1000));
  EXPECT_TRUE(is_valid_close_code(4008));
  EXPECT_FALSE(is_valid_close_code(1005));
  EXPECT_FALSE(is_valid_close_code(1006));
  EXPECT_FALSE(is_valid_close_code(5000));
}

// --- Handshake ---------------------------------------------------------------------------------------------

TEST(WsHandshake, AcceptKeyRfcExample) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, KeyValidity) {
  EXPECT_TRUE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_TRUE(is_valid_key("AAAAAAAAAAAAAAAAAAAAAA=="));
  EXPECT_FALSE(is_valid_key(""));
  EXPECT_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ"));      // unpadded
  EXPECT_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ=!"));    // bad character
  EXPECT_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZXM="));    // 17 bytes
  EXPECT_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25j"));        // 15 bytes
  EXPECT_FALSE(is_valid_key(" dGhlIHNhbXBsZSBub25jZQ=="));   // whitespace
}

}  // namespace
}  // namespace parley::protocol::ws

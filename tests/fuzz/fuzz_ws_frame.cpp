// libFuzzer target for the WebSocket frame parser (src/protocol/ws_frame.hpp).
// Input layout: byte 0 picks max_message_bytes, bytes 1..8 seed the chunk sizes, the rest is the client byte
// stream. The stream is parsed three ways (all at once, in pseudo-random chunks, one byte at a time) and all
// three must yield the same messages and the same final error; every call must respect the API's invariants.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/utf8.hpp"
#include "protocol/ws_frame.hpp"

namespace ws = parley::protocol::ws;

namespace {

#define FUZZ_CHECK(cond)                                                    \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "invariant failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                         \
    }                                                                       \
  } while (0)

constexpr size_t kMaxHeader = 14;
constexpr size_t kMaxControl = 125;

struct Run {
  std::vector<ws::Message> messages;
  bool failed = false;
  uint16_t close_code = 0;
  size_t consumed = 0;  // total bytes consumed
};

bool is_control(ws::Opcode op) { return (static_cast<uint8_t>(op) & 0x8) != 0; }

// Parses `data` handing the parser chunks whose sizes come from `next_chunk`, checking invariants.
template <class NextChunk>
Run run(const uint8_t* data, size_t size, size_t max, NextChunk next_chunk) {
  Run r;
  ws::FrameParser parser(max);
  size_t offset = 0;
  while (offset < size) {
    const size_t end = std::min(size, offset + std::max<size_t>(1, next_chunk()));
    while (offset < end) {
      ws::Message m;
      const size_t given = end - offset;
      const auto o = parser.parse(data + offset, given, m);
      FUZZ_CHECK(o.consumed <= given);
      offset += o.consumed;
      FUZZ_CHECK(parser.buffered_bytes() <= max + kMaxHeader + kMaxControl);
      if (o.status == ws::FrameParser::Status::error) {
        FUZZ_CHECK(o.close_code == ws::close_code::protocol_error ||
                   o.close_code == ws::close_code::invalid_payload || o.close_code == ws::close_code::too_big);
        FUZZ_CHECK(parser.buffered_bytes() == 0);
        // Sticky: a failed parser consumes nothing more and repeats its error.
        ws::Message again;
        const auto o2 = parser.parse(data + offset, size - offset, again);
        FUZZ_CHECK(o2.status == ws::FrameParser::Status::error && o2.consumed == 0 &&
                   o2.close_code == o.close_code);
        r.failed = true;
        r.close_code = o.close_code;
        r.consumed = offset;
        return r;
      }
      if (o.status == ws::FrameParser::Status::need_more) {
        FUZZ_CHECK(offset == end);  // need_more means everything given was taken
      } else {
        FUZZ_CHECK(o.consumed > 0);  // progress
        if (is_control(m.opcode)) {
          FUZZ_CHECK(m.payload.size() <= kMaxControl);
          if (m.opcode == ws::Opcode::close && !m.payload.empty()) {
            const auto [code, reason] = ws::decode_close(m.payload);
            FUZZ_CHECK(ws::is_valid_close_code(code));
            FUZZ_CHECK(parley::core::is_valid_utf8(reason));
          }
        } else {
          FUZZ_CHECK(m.opcode == ws::Opcode::text || m.opcode == ws::Opcode::binary);
          FUZZ_CHECK(m.payload.size() <= max);
          if (m.opcode == ws::Opcode::text) FUZZ_CHECK(parley::core::is_valid_utf8(m.payload));
        }
        r.messages.push_back(std::move(m));
      }
    }
  }
  r.consumed = offset;
  return r;
}

void check_same(const Run& a, const Run& b) {
  FUZZ_CHECK(a.failed == b.failed);
  FUZZ_CHECK(a.close_code == b.close_code);
  FUZZ_CHECK(a.consumed == b.consumed);
  FUZZ_CHECK(a.messages.size() == b.messages.size());
  for (size_t i = 0; i < a.messages.size(); ++i) {
    FUZZ_CHECK(a.messages[i].opcode == b.messages[i].opcode);
    FUZZ_CHECK(a.messages[i].payload == b.messages[i].payload);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9) return 0;
  static constexpr size_t kLimits[] = {0, 1, 5, 125, 126, 1000, 65535, 65536};
  const size_t max = kLimits[data[0] % 8];
  uint64_t seed;
  std::memcpy(&seed, data + 1, 8);
  data += 9;
  size -= 9;

  const Run whole = run(data, size, max, [&] { return size; });
  uint64_t state = seed | 1;
  const Run chunked = run(data, size, max, [&] {
    state ^= state << 13;  // xorshift64
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<size_t>(state % 17);
  });
  const Run bytewise = run(data, size, max, [] { return size_t{1}; });
  check_same(whole, chunked);
  check_same(whole, bytewise);

  // Encoder sanity on the same input: header lengths round-trip through the length forms.
  uint8_t header[10];
  const size_t n = ws::encode_header(ws::Opcode::binary, seed >> 1, header);
  FUZZ_CHECK(n == 2 || n == 4 || n == 10);
  // Close encoding: any reason is cut to a legal control frame and decodes back to a prefix of itself.
  const std::string_view reason(reinterpret_cast<const char*>(data), std::min<size_t>(size, 300));
  const auto code = static_cast<uint16_t>(seed);
  const std::string close = ws::encode_close(code, reason);
  FUZZ_CHECK(close.size() >= 2 && close.size() <= 2 + kMaxControl);
  if (code != ws::close_code::no_status) {
    const auto [got_code, got_reason] = ws::decode_close(std::string_view(close).substr(2));
    FUZZ_CHECK(got_code == code);
    FUZZ_CHECK(reason.substr(0, got_reason.size()) == got_reason);
    if (parley::core::is_valid_utf8(reason)) FUZZ_CHECK(parley::core::is_valid_utf8(got_reason));
  }
  return 0;
}

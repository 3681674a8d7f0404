#pragma once
// Client side of RFC 6455 framing, just enough for a load generator: masked text frames out, unmasked server
// frames in. (src/protocol/ws_frame.hpp is the server side: it requires masked input and writes unmasked
// output, so the bench keeps its own small codec.) Thread safety: stateless functions; one parser per socket.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench::ws {

enum : uint8_t { op_cont = 0, op_text = 1, op_binary = 2, op_close = 8, op_ping = 9, op_pong = 10 };

// Appends one masked, final frame with `opcode` and `payload` to `out`.
void append_frame(std::string& out, uint8_t opcode, std::string_view payload);

// Parses server->client frames out of a byte buffer. Fragmented messages are reassembled.
class Parser {
 public:
  struct Frame {
    uint8_t opcode;
    std::string_view payload;  // valid until the next call
  };
  // Tries to take one whole message from [data, data+size): returns bytes consumed (0 = need more) and fills
  // `frame` when a complete message is available (consumed > 0 and has_frame = true). Returns SIZE_MAX on a
  // protocol error.
  size_t parse(const uint8_t* data, size_t size, Frame& frame, bool& has_frame);

 private:
  std::string fragments_;
  uint8_t fragment_opcode_ = 0;
  bool pending_clear_ = false;  // fragments_ was handed out as a frame: clear it on the next call
};

}  // namespace bench::ws

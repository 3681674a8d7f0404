#pragma once
// RFC 6455 WebSocket framing: an incremental parser of client->server frames and encoders of server->client
// frames. A pure library over bytes: no sockets, no Beast, no allocation per frame header.
//
// Why hand-written: Boost.Beast's websocket::stream writes one message per write call and owns the socket.
// Parley must write many queued frames in one gather write (this machine does ~180k socket writes/s per core,
// so fan-out throughput comes from batching), keep per-connection memory tiny, and share one encoded frame
// among thousands of recipients (a push's whole frame, header and payload, is encoded once per wire form and
// never copied per recipient). Beast still parses HTTP and the upgrade request (see ws_handshake.hpp); only framing
// is ours. No extension (permessage-deflate) is negotiated, so RSV bits must be zero.
#include <array>
#include <initializer_list>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace parley::protocol::ws {

enum class Opcode : uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// Close status codes (RFC 6455 §7.4.1) and Parley's own (docs/protocol.md §3).
namespace close_code {
constexpr uint16_t normal = 1000, going_away = 1001, protocol_error = 1002, unsupported = 1003,
                   no_status = 1005, invalid_payload = 1007, policy = 1008, too_big = 1009, internal = 1011,
                   token_expired = 4001, too_slow = 4008;
}  // namespace close_code

// A complete message (fragments reassembled) or a control frame.
struct Message {
  Opcode opcode = Opcode::text;
  std::string payload;
};

// Incremental parser of client->server frames.
// Rules enforced: client frames must be masked; RSV bits must be 0; unknown opcodes are rejected; control
// frames are at most 125 bytes and not fragmented; a continuation without a started message, and a new data
// frame while a fragmented message is open, are errors; a 64-bit length with the top bit set, and a length not
// in its minimal form (126 for < 126 bytes, 127 for < 65536), are errors; text messages must be valid UTF-8
// (checked once, on completion); a close payload is empty, or >= 2 bytes with a valid code (1000-1003,
// 1007-1011, 3000-4999) and a UTF-8 reason. After an error the parser stays failed: further calls return the
// same error and consume nothing.
// Memory: a frame header is held in a fixed 14-byte array; a data payload is unmasked straight into the
// message being assembled (the only copy) and handed to the caller by move, so an idle parser holds no heap
// memory. The message buffer grows geometrically but never beyond max_message_bytes, and never beyond twice
// what was actually received (a header that merely announces 64 KiB reserves nothing).
// Thread safety: one parser per connection, not shared; distinct parsers are independent.
class FrameParser {
 public:
  explicit FrameParser(size_t max_message_bytes);

  enum class Status { need_more, message, error };
  struct Outcome {
    Status status;
    size_t consumed;
    uint16_t close_code = 0;
    std::string reason;
  };

  // Consumes bytes from [data, data+size) until one complete message (or control frame) is in `out` (status
  // message), the input runs out (need_more: everything given was consumed and kept internally as needed), or
  // the stream is invalid (error + the close code to send: 1002 protocol, 1007 bad UTF-8 in a text message or
  // close reason, 1009 message larger than max_message_bytes, detected from the header length before any of
  // the payload is buffered). `consumed` tells how many bytes were used; call again with the rest. Control
  // frames may arrive between the fragments of a data message; they are returned on their own.
  Outcome parse(const uint8_t* data, size_t size, Message& out);

  // Bytes currently held for a partial frame/message (header bytes plus payload bytes received so far).
  size_t buffered_bytes() const;

  // The limit given at construction.
  size_t max_message_bytes() const { return max_message_bytes_; }
  // True between messages: no partial frame, no fragmented message open, not failed. A parser in this state
  // holds nothing a fresh one would not, so a caller may swap it for another (net::WsCore keeps a parser per
  // connection only while one is not idle, and parses whole frames with one parser per thread).
  bool idle() const { return phase_ == Phase::header && header_have_ == 0 && !message_open_; }
  // Changes the limit; only while idle().
  void set_max_message_bytes(size_t max_message_bytes) { max_message_bytes_ = max_message_bytes; }

 private:
  enum class Phase : uint8_t { header, payload, failed };

  Outcome fail(size_t consumed, uint16_t code, std::string reason);
  // Validates the first two header bytes; returns 0 if fine, else the close code (and sets `reason`).
  uint16_t check_prelude(std::string& reason) const;
  // Validates the complete header and sets up the payload phase; returns 0 if fine, else the close code.
  uint16_t start_payload(std::string& reason);
  // Copies n masked bytes from `src` into the current frame's destination, unmasking them.
  void take_payload(const uint8_t* src, size_t n);
  // The current frame is complete: fills `out` and returns true if that completes a message.
  bool finish_frame(Message& out, uint16_t& code, std::string& reason);

  // One parser per connection: its fields are ordered to pack into 88 bytes.
  size_t max_message_bytes_;
  uint64_t frame_remaining_ = 0;  // payload bytes of the current frame still to come
  std::string message_;           // data payload assembled so far (unmasked)
  // The payload of a control frame (may interleave with a fragmented message): allocated for the frame only,
  // so an idle connection holds no 125-byte buffer.
  std::unique_ptr<char[]> control_;
  std::array<uint8_t, 14> header_{};
  std::array<uint8_t, 4> mask_{};
  uint32_t frame_offset_ = 0;     // payload bytes of the current frame received, mod 2^32 (for the mask phase)
  Phase phase_ = Phase::header;
  uint8_t header_have_ = 0;     // header bytes received so far
  uint8_t header_need_ = 2;     // header length, known once the first two bytes are in
  bool fin_ = false;
  Opcode frame_opcode_ = Opcode::continuation;
  bool message_open_ = false;     // a fragmented data message awaits continuations
  Opcode message_opcode_ = Opcode::text;
  uint8_t control_len_ = 0;
  uint16_t failed_code_ = 0;
};

// Writes a server->client (unmasked) frame header for a payload of payload_size bytes into out; returns its
// length (2, 4 or 10). The payload itself is written separately (e.g. a shared buffer in a gather write).
size_t encode_header(Opcode opcode, uint64_t payload_size, uint8_t out[10], bool fin = true);

// A whole unmasked frame as one string (header + payload): for control frames and tests.
std::string encode_frame(Opcode opcode, std::string_view payload);
// A whole text frame whose payload is `parts` one after another, built in one allocation.
std::string encode_text_frame(std::initializer_list<std::string_view> parts);

// A close frame with `code` and `reason`. The reason is cut to 123 bytes (at a UTF-8 character boundary) so
// the frame stays a legal control frame; code 1005 (no_status) yields an empty close payload, as 1005 must
// never be sent on the wire.
std::string encode_close(uint16_t code, std::string_view reason = {});

// Parses a close frame payload: its code (1005 if the payload is empty; 1002 if it is a single byte) and reason.
std::pair<uint16_t, std::string> decode_close(std::string_view payload);

// True iff `code` may appear in a close frame sent by a peer (1000-1003, 1007-1011, 3000-4999).
bool is_valid_close_code(uint16_t code);

}  // namespace parley::protocol::ws

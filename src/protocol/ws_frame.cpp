#include "protocol/ws_frame.hpp"

#include <algorithm>
#include <cstring>

#include "core/utf8.hpp"

namespace parley::protocol::ws {
namespace {

constexpr size_t kMaxControlPayload = 125;
constexpr size_t kMaxCloseReason = kMaxControlPayload - 2;

bool is_control(Opcode op) { return (static_cast<uint8_t>(op) & 0x8) != 0; }

bool is_known_opcode(uint8_t op) { return op <= 2 || (op >= 8 && op <= 10); }

uint64_t load_be(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

// Copies n bytes from src to dst, XOR-ing them with the 4-byte mask starting at mask position `phase`.
// Works 8 bytes at a time (the two mask halves are equal, so byte order does not matter).
void unmask_copy(char* dst, const uint8_t* src, size_t n, const std::array<uint8_t, 4>& mask, uint32_t phase) {
  uint8_t m[8];
  for (size_t i = 0; i < 8; ++i) m[i] = mask[(phase + i) & 3];
  size_t i = 0;
  if (n >= 8) {
    uint64_t m64;
    std::memcpy(&m64, m, 8);
    for (; i + 8 <= n; i += 8) {
      uint64_t v;
      std::memcpy(&v, src + i, 8);
      v ^= m64;
      std::memcpy(dst + i, &v, 8);
    }
  }
  for (; i < n; ++i) dst[i] = static_cast<char>(src[i] ^ m[i & 3]);
}

}  // namespace

bool is_valid_close_code(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
}

FrameParser::FrameParser(size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

size_t FrameParser::buffered_bytes() const {
  if (phase_ == Phase::failed) return 0;
  return header_have_ + message_.size() + control_len_;
}

FrameParser::Outcome FrameParser::fail(size_t consumed, uint16_t code, std::string reason) {
  phase_ = Phase::failed;
  failed_code_ = code;
  std::string().swap(message_);  // release the partial message now: the connection is going away
  control_.reset();
  control_len_ = 0;
  return Outcome{Status::error, consumed, code, std::move(reason)};
}

uint16_t FrameParser::check_prelude(std::string& reason) const {
  const uint8_t b0 = header_[0];
  const uint8_t b1 = header_[1];
  if (b0 & 0x70) {
    reason = "reserved bits set";
    return close_code::protocol_error;
  }
  const uint8_t op = b0 & 0x0F;
  if (!is_known_opcode(op)) {
    reason = "unknown opcode";
    return close_code::protocol_error;
  }
  if (!(b1 & 0x80)) {
    reason = "client frame not masked";
    return close_code::protocol_error;
  }
  const bool fin = (b0 & 0x80) != 0;
  const Opcode opcode = static_cast<Opcode>(op);
  if (is_control(opcode)) {
    if (!fin) {
      reason = "fragmented control frame";
      return close_code::protocol_error;
    }
    if ((b1 & 0x7F) > kMaxControlPayload) {
      reason = "control frame too long";
      return close_code::protocol_error;
    }
  } else if (opcode == Opcode::continuation) {
    if (!message_open_) {
      reason = "continuation without a message";
      return close_code::protocol_error;
    }
  } else if (message_open_) {
    reason = "new message inside a fragmented message";
    return close_code::protocol_error;
  }
  return 0;
}

uint16_t FrameParser::start_payload(std::string& reason) {
  const uint8_t len7 = header_[1] & 0x7F;
  uint64_t len = len7;
  if (len7 == 126) {
    len = load_be(&header_[2], 2);
    if (len < 126) {
      reason = "length not minimally encoded";
      return close_code::protocol_error;
    }
  } else if (len7 == 127) {
    len = load_be(&header_[2], 8);
    if (len >> 63) {
      reason = "64-bit length with the top bit set";
      return close_code::protocol_error;
    }
    if (len <= 0xFFFF) {
      reason = "length not minimally encoded";
      return close_code::protocol_error;
    }
  }
  std::memcpy(mask_.data(), &header_[header_need_ - 4], 4);
  fin_ = (header_[0] & 0x80) != 0;
  frame_opcode_ = static_cast<Opcode>(header_[0] & 0x0F);
  if (is_control(frame_opcode_)) {
    control_ = std::make_unique_for_overwrite<char[]>(std::max<size_t>(len, 1));  // <= 125 (check_prelude)
    control_len_ = 0;
  } else {
    // Reject before buffering anything: the limit is on the whole (reassembled) message.
    if (len > max_message_bytes_ - message_.size()) {
      reason = "message too big";
      return close_code::too_big;
    }
    if (frame_opcode_ != Opcode::continuation) {
      message_opcode_ = frame_opcode_;
      message_open_ = true;
    }
  }
  frame_remaining_ = len;
  frame_offset_ = 0;
  phase_ = Phase::payload;
  return 0;
}

void FrameParser::take_payload(const uint8_t* src, size_t n) {
  char* dst;
  if (is_control(frame_opcode_)) {
    dst = control_.get() + control_len_;
    control_len_ = static_cast<uint8_t>(control_len_ + n);
  } else {
    const size_t old_size = message_.size();
    const size_t need = old_size + n;
    if (need > message_.capacity()) {
      // Grow geometrically, capped by the limit; a fresh string gets exactly the capacity asked for, which
      // std::string::reserve on a non-empty string does not promise.
      const size_t cap = std::max(need, std::min(2 * message_.capacity(), max_message_bytes_));
      std::string grown;
      grown.reserve(cap);
      grown.append(message_);
      message_.swap(grown);
    }
    message_.resize(need);
    dst = message_.data() + old_size;
  }
  unmask_copy(dst, src, n, mask_, frame_offset_);
  frame_offset_ += static_cast<uint32_t>(n);  // only its value mod 4 matters
}

bool FrameParser::finish_frame(Message& out, uint16_t& code, std::string& reason) {
  if (is_control(frame_opcode_)) {
    const std::string_view payload(control_.get(), control_len_);
    if (frame_opcode_ == Opcode::close && !payload.empty()) {
      if (payload.size() < 2) {
        code = close_code::protocol_error;
        reason = "close payload of one byte";
        return false;
      }
      const auto status = static_cast<uint16_t>(load_be(reinterpret_cast<const uint8_t*>(payload.data()), 2));
      if (!is_valid_close_code(status)) {
        code = close_code::protocol_error;
        reason = "invalid close code";
        return false;
      }
      if (!core::is_valid_utf8(payload.substr(2))) {
        code = close_code::invalid_payload;
        reason = "close reason not UTF-8";
        return false;
      }
    }
    out.opcode = frame_opcode_;
    out.payload.assign(payload);  // <= 125 bytes, usually into capacity the caller already has
    control_.reset();
    control_len_ = 0;
    return true;
  }
  if (!fin_) return false;
  if (message_opcode_ == Opcode::text && !core::is_valid_utf8(message_)) {
    code = close_code::invalid_payload;
    reason = "text message not UTF-8";
    return false;
  }
  out.opcode = message_opcode_;
  out.payload = std::move(message_);
  message_ = std::string();  // a moved-from string is valid but unspecified; make it empty with no heap
  message_open_ = false;
  return true;
}

FrameParser::Outcome FrameParser::parse(const uint8_t* data, size_t size, Message& out) {
  // The first error's reason went out with the close frame; later calls only need to keep refusing.
  if (phase_ == Phase::failed) return Outcome{Status::error, 0, failed_code_, "the stream already failed"};
  size_t pos = 0;
  std::string reason;
  for (;;) {
    if (phase_ == Phase::header) {
      while (header_have_ < header_need_) {
        if (pos == size) return Outcome{Status::need_more, pos, 0, {}};
        const size_t n = std::min<size_t>(header_need_ - header_have_, size - pos);
        std::memcpy(&header_[header_have_], data + pos, n);
        header_have_ = static_cast<uint8_t>(header_have_ + n);
        pos += n;
        if (header_have_ == 2 && header_need_ == 2) {
          if (const uint16_t code = check_prelude(reason)) return fail(pos, code, std::move(reason));
          const uint8_t len7 = header_[1] & 0x7F;
          header_need_ = static_cast<uint8_t>(2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4);
        }
      }
      if (const uint16_t code = start_payload(reason)) return fail(pos, code, std::move(reason));
    }
    // Payload phase.
    const size_t n = static_cast<size_t>(std::min<uint64_t>(frame_remaining_, size - pos));
    if (n > 0) {
      take_payload(data + pos, n);
      pos += n;
      frame_remaining_ -= n;
    }
    if (frame_remaining_ > 0) return Outcome{Status::need_more, pos, 0, {}};
    phase_ = Phase::header;
    header_have_ = 0;
    header_need_ = 2;
    uint16_t code = 0;
    if (finish_frame(out, code, reason)) return Outcome{Status::message, pos, 0, {}};
    if (code != 0) return fail(pos, code, std::move(reason));
    // A non-final fragment: keep going with the next frame.
  }
}

size_t encode_header(Opcode opcode, uint64_t payload_size, uint8_t out[10], bool fin) {
  out[0] = static_cast<uint8_t>((fin ? 0x80 : 0x00) | static_cast<uint8_t>(opcode));
  if (payload_size < 126) {
    out[1] = static_cast<uint8_t>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(payload_size >> 8);
    out[3] = static_cast<uint8_t>(payload_size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>(payload_size >> (8 * (7 - i)));
  return 10;
}

std::string encode_frame(Opcode opcode, std::string_view payload) {
  uint8_t header[10];
  const size_t header_len = encode_header(opcode, payload.size(), header);
  std::string frame;
  frame.reserve(header_len + payload.size());
  frame.append(reinterpret_cast<const char*>(header), header_len);
  frame.append(payload);
  return frame;
}

std::string encode_text_frame(std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (std::string_view p : parts) size += p.size();
  uint8_t header[10];
  const size_t header_len = encode_header(Opcode::text, size, header);
  std::string frame;
  frame.reserve(header_len + size);
  frame.append(reinterpret_cast<const char*>(header), header_len);
  for (std::string_view p : parts) frame.append(p);
  return frame;
}

std::string encode_close(uint16_t code, std::string_view reason) {
  if (code == close_code::no_status) return encode_frame(Opcode::close, {});
  if (reason.size() > kMaxCloseReason) {
    size_t cut = kMaxCloseReason;
    while (cut > 0 && (static_cast<uint8_t>(reason[cut]) & 0xC0) == 0x80) --cut;  // not mid-character
    reason = reason.substr(0, cut);
  }
  char payload[kMaxControlPayload];
  payload[0] = static_cast<char>(code >> 8);
  payload[1] = static_cast<char>(code & 0xFF);
  if (!reason.empty()) std::memcpy(payload + 2, reason.data(), reason.size());
  return encode_frame(Opcode::close, std::string_view(payload, 2 + reason.size()));
}

std::pair<uint16_t, std::string> decode_close(std::string_view payload) {
  if (payload.empty()) return {close_code::no_status, {}};
  if (payload.size() < 2) return {close_code::protocol_error, {}};
  const auto code = static_cast<uint16_t>(load_be(reinterpret_cast<const uint8_t*>(payload.data()), 2));
  return {code, std::string(payload.substr(2))};
}

}  // namespace parley::protocol::ws

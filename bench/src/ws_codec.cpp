#include "ws_codec.hpp"

#include <cstring>
#include <limits>

namespace bench::ws {

namespace {
// A cheap, non-cryptographic mask source: masking only has to be present, not secret, for a benchmark.
uint32_t next_mask() {
  thread_local uint32_t state = 0x9e3779b9u;
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}
}  // namespace

void append_frame(std::string& out, uint8_t opcode, std::string_view payload) {
  size_t n = payload.size();
  out.push_back(static_cast<char>(0x80 | opcode));
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n < 65536) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff));
  }
  uint32_t m = next_mask();
  uint8_t mask[4] = {uint8_t(m), uint8_t(m >> 8), uint8_t(m >> 16), uint8_t(m >> 24)};
  out.append(reinterpret_cast<const char*>(mask), 4);
  size_t start = out.size();
  out.append(payload);
  for (size_t i = 0; i < n; ++i) out[start + i] = static_cast<char>(out[start + i] ^ mask[i & 3]);
}

size_t Parser::parse(const uint8_t* data, size_t size, Frame& frame, bool& has_frame) {
  has_frame = false;
  if (pending_clear_) {
    fragments_.clear();
    pending_clear_ = false;
  }
  if (size < 2) return 0;
  bool fin = data[0] & 0x80;
  uint8_t opcode = data[0] & 0x0f;
  if (data[1] & 0x80) return std::numeric_limits<size_t>::max();  // servers never mask
  uint64_t len = data[1] & 0x7f;
  size_t header = 2;
  if (len == 126) {
    if (size < 4) return 0;
    len = (uint64_t(data[2]) << 8) | data[3];
    header = 4;
  } else if (len == 127) {
    if (size < 10) return 0;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | data[2 + i];
    header = 10;
  }
  if (len > (64u << 20)) return std::numeric_limits<size_t>::max();
  if (size - header < len) return 0;
  std::string_view payload(reinterpret_cast<const char*>(data + header), len);
  size_t consumed = header + len;
  if (opcode >= op_close) {  // control frames are never fragmented
    frame = {opcode, payload};
    has_frame = true;
    return consumed;
  }
  if (opcode != op_cont && fin && fragments_.empty()) {
    frame = {opcode, payload};
    has_frame = true;
    return consumed;
  }
  if (opcode != op_cont) fragment_opcode_ = opcode;
  fragments_.append(payload);
  if (fin) {
    frame = {fragment_opcode_, fragments_};
    has_frame = true;
    // The view stays valid until the next parse call, which clears the buffer first.
    pending_clear_ = true;
  }
  return consumed;
}

}  // namespace bench::ws

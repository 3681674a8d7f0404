#include "protocol/ws_handshake.hpp"

#include <openssl/evp.h>

#include "core/base64.hpp"

namespace parley::protocol::ws {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

}  // namespace

std::string accept_key(std::string_view sec_websocket_key) {
  std::string input;
  input.reserve(sec_websocket_key.size() + kGuid.size());
  input.append(sec_websocket_key);
  input.append(kGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &digest_len, EVP_sha1(), nullptr) != 1) return {};
  return core::base64_encode(std::string_view(reinterpret_cast<const char*>(digest), digest_len));
}

bool is_valid_key(std::string_view key) {
  if (key.size() != 24) return false;
  const auto decoded = core::base64_decode(key);
  return decoded && decoded->size() == 16;
}

}  // namespace parley::protocol::ws

#pragma once
// HS256 JSON Web Tokens (RFC 7519 / RFC 7515 compact serialization), the bearer tokens of docs/protocol.md §2.
// Only HS256 is accepted; "none" and every other alg are refused.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace parley::auth {

// The claims Parley puts in a token. `sub` is the user id (written as a decimal string, as RFC 7519 wants;
// a JSON integer is accepted too). `exp` and `iat` are seconds since the epoch; iat 0 means "not set".
// Thread safety: plain value.
struct Claims {
  int64_t sub = 0;
  std::string name;
  int64_t exp = 0;  // seconds since epoch
  int64_t iat = 0;
};

// A signed token `header.payload.signature` with header {"alg":"HS256","typ":"JWT"} and payload
// {"sub":"<id>","name":…,"iat":…,"exp":…} (iat omitted when 0). The secret should be ≥ 32 random bytes.
// Thread safety: pure function.
std::string sign_jwt(const Claims& claims, std::string_view secret);

// The claims of `token` if its HS256 signature matches `secret`, it is not expired (exp > now_seconds), not
// before its `nbf` (if any) and not issued in the future (iat); `leeway_seconds` of clock skew between nodes
// is forgiven in each of these. Otherwise ErrorCode::unauthorized with one of the messages "malformed token",
// "unsupported alg (only HS256)", "bad signature", "token expired", "token not yet valid",
// "missing or invalid sub", "missing or invalid exp". An empty secret verifies nothing.
// The signature is compared in constant time and checked before the payload is parsed.
// Thread safety: pure function.
core::Result<Claims> verify_jwt(std::string_view token, std::string_view secret, int64_t now_seconds,
                                int64_t leeway_seconds = 0);

}  // namespace parley::auth

#include "auth/secret.hpp"

#include "auth/random.hpp"

#include <algorithm>

namespace parley::auth {

core::Result<std::string> generate_secret() {
  unsigned char bytes[kGeneratedSecretBytes];
  if (!random_bytes(bytes, sizeof(bytes)))
    return core::Error{core::ErrorCode::internal, "the system's random generator failed: no signing secret made"};
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * sizeof(bytes));
  for (unsigned char b : bytes) {
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

bool is_generated_secret(std::string_view secret) {
  return secret.size() == 2 * kGeneratedSecretBytes && std::all_of(secret.begin(), secret.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace parley::auth

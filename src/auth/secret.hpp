#pragma once
// Signing secrets Parley generates itself (when no --jwt-secret is given): 32 bytes from OpenSSL's CSPRNG,
// written as 64 lower-case hex digits, which is also how the store keeps them.
// Thread safety: pure functions (RAND_bytes is thread-safe).
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace parley::auth {

inline constexpr size_t kGeneratedSecretBytes = 32;

// A new secret; internal when the CSPRNG cannot deliver (never a weaker secret).
core::Result<std::string> generate_secret();

// True for what generate_secret() makes: 64 lower-case hex digits.
bool is_generated_secret(std::string_view secret);

}  // namespace parley::auth

#pragma once
// Random bytes from OpenSSL's CSPRNG, failing closed: a caller never gets weaker randomness than asked for.
// Thread safety: pure functions (RAND_bytes is thread-safe).
#include <cstddef>
#include <string>

namespace parley::auth {

// Fills `out` with `n` random bytes; false when the generator failed (nothing usable in `out`).
[[nodiscard]] bool random_bytes(unsigned char* out, size_t n);

// `n` random bytes as base64url, for identifiers an attacker must not guess (session and connection ids).
// Aborts the process when the generator fails: handing out a guessable id is worse than stopping.
std::string random_id(size_t n);

}  // namespace parley::auth

#pragma once
// Password hashing with libsodium's argon2id (crypto_pwhash_str, OPSLIMIT/MEMLIMIT_INTERACTIVE).
// Both functions are deliberately slow (tens of milliseconds and ~64 MiB of memory each): call them from a
// worker pool, never from a network event loop.
#include <string>
#include <string_view>

namespace parley::auth {

// An encoded argon2id hash of `password` ("$argon2id$v=19$m=…"), with a fresh random salt, to store as is.
// Throws std::runtime_error only if libsodium cannot initialise or allocate (out of memory).
// Thread safety: safe from any thread; initialises libsodium once.
std::string hash_password(std::string_view password);

// True iff `password` matches `hash` (as produced by hash_password). A malformed hash gives false.
// Thread safety: safe from any thread.
bool verify_password(std::string_view hash, std::string_view password);

}  // namespace parley::auth

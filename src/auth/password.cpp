#include "auth/password.hpp"

#include <sodium.h>

#include <stdexcept>
#include <string>

namespace parley::auth {
namespace {

// Calls sodium_init() exactly once (a function-local static is initialised thread-safely).
void ensure_sodium() {
  static const int rc = sodium_init();  // 0 = initialised now, 1 = already initialised, -1 = failure
  if (rc < 0) throw std::runtime_error("libsodium initialisation failed");
}

// A non-null pointer to `s`'s bytes, even when `s` is empty.
const char* bytes(std::string_view s) { return s.empty() ? "" : s.data(); }

}  // namespace

std::string hash_password(std::string_view password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, bytes(password), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw std::runtime_error("password hashing failed (out of memory)");
  }
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  ensure_sodium();
  // crypto_pwhash_str_verify wants a NUL-terminated string of at most crypto_pwhash_STRBYTES - 1 characters.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES || hash.find('\0') != std::string_view::npos) {
    return false;
  }
  const std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), bytes(password), password.size()) == 0;
}

}  // namespace parley::auth

#include "auth/random.hpp"

#include <openssl/rand.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/base64.hpp"

namespace parley::auth {

bool random_bytes(unsigned char* out, size_t n) {
  return n <= INT_MAX && RAND_bytes(out, static_cast<int>(n)) == 1;
}

std::string random_id(size_t n) {
  std::string bytes(n, '\0');
  if (!random_bytes(reinterpret_cast<unsigned char*>(bytes.data()), n)) {
    std::fputs("parley: the system's random generator failed; stopping rather than hand out guessable ids\n", stderr);
    std::abort();
  }
  return core::base64url_encode(bytes);
}

}  // namespace parley::auth

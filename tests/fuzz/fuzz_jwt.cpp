// verify_jwt on arbitrary input never crashes. Random bytes almost never carry a valid HMAC or base64-wrapped
// JSON, so each input is tried three ways: as a token; with a correct signature appended; and as raw
// "header-json\npayload-json", base64url-encoded and signed, which lets the fuzzer mutate the JSON directly.
// Whatever verifies must survive a sign/verify round trip unchanged.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/jwt.hpp"
#include "core/base64.hpp"

namespace {

constexpr std::string_view kSecret = "fuzz-secret";
constexpr int64_t kNow = 1'700'000'000;

// `signing_input` + "." + its HS256 signature under kSecret.
std::string with_signature(std::string_view signing_input) {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac, &len);
  return std::string(signing_input) + "." +
         parley::core::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

// Aborts unless claims that verified once come back identical after re-signing.
void check_round_trip(const parley::auth::Claims& c) {
  auto again = parley::auth::verify_jwt(parley::auth::sign_jwt(c, kSecret), kSecret, kNow);
  if (!again.ok() || again->sub != c.sub || again->name != c.name || again->exp != c.exp || again->iat != c.iat) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto r = parley::auth::verify_jwt(input, kSecret, kNow); r.ok()) check_round_trip(*r);
  if (auto r = parley::auth::verify_jwt(with_signature(input), kSecret, kNow); r.ok()) check_round_trip(*r);
  if (const size_t nl = input.find('\n'); nl != std::string_view::npos) {
    using parley::core::base64url_encode;
    const std::string token =
        with_signature(base64url_encode(input.substr(0, nl)) + "." + base64url_encode(input.substr(nl + 1)));
    if (auto r = parley::auth::verify_jwt(token, kSecret, kNow); r.ok()) check_round_trip(*r);
  }
  return 0;
}

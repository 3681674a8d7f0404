#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "auth/jwt.hpp"
#include "core/base64.hpp"

using parley::auth::Claims;
using parley::auth::sign_jwt;
using parley::auth::verify_jwt;
using parley::core::base64url_encode;
using parley::core::ErrorCode;

namespace {

constexpr std::string_view kSecret = "parley-test-secret";
constexpr int64_t kNow = 1'700'000'000;

// A token over arbitrary header and payload JSON, signed HS256 with `secret` (an independent signer).
std::string forge(std::string_view header, std::string_view payload, std::string_view secret) {
  std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

// Asserts `token` is refused as unauthorized with a message containing `fragment`.
void expect_refused(std::string_view token, std::string_view fragment, std::string_view secret = kSecret) {
  auto r = verify_jwt(token, secret, kNow);
  ASSERT_FALSE(r.ok()) << token;
  EXPECT_EQ(r.error().code, ErrorCode::unauthorized);
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

Claims alice() { return Claims{.sub = 42, .name = "alice", .exp = kNow + 86400, .iat = kNow}; }

}  // namespace

TEST(Jwt, RoundTrip) {
  const std::string token = sign_jwt(alice(), kSecret);
  auto r = verify_jwt(token, kSecret, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->sub, 42);
  EXPECT_EQ(r->name, "alice");
  EXPECT_EQ(r->exp, kNow + 86400);
  EXPECT_EQ(r->iat, kNow);
}

TEST(Jwt, RoundTripsUnicodeAndQuotesInName) {
  Claims c = alice();
  c.name = "\"zo\xC3\xAB\"\\ \xF0\x9F\x98\x80";
  auto r = verify_jwt(sign_jwt(c, kSecret), kSecret, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, c.name);
}

TEST(Jwt, SignsTheExactStandardForm) {
  // Expected token computed with Python's hmac/base64 modules from the JSON shown in jwt.hpp.
  EXPECT_EQ(sign_jwt(alice(), kSecret),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
            "eyJzdWIiOiI0MiIsIm5hbWUiOiJhbGljZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDg2NDAwfQ."
            "vgGrpGpqCSypVoKI3IQ6K0SipR8bsXfijm8C0sx2ALw");
}

TEST(Jwt, VerifiesJwtIoVector) {
  // The jwt.io example token, whose signature is the well-known SflKx…; it has no exp, so it is refused
  // for that reason (proving the signature itself verified).
  expect_refused(
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
      "exp", "your-256-bit-secret");
  // The same claims plus an exp, signed the same way.
  auto r = verify_jwt(
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIy"
      "LCJleHAiOjE5MTYyMzkwMjJ9.dMD3MLuHTiO-Qy9PvOoMchNM4CzFIgI7jKVrRtlqlM0",
      "your-256-bit-secret", kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->sub, 1234567890);
  EXPECT_EQ(r->name, "John Doe");
  EXPECT_EQ(r->iat, 1516239022);
  EXPECT_EQ(r->exp, 1916239022);
}

TEST(Jwt, VerifiesRfc7515AppendixA1Signature) {
  // RFC 7515 A.1: header with CRLF whitespace and typ before alg; the key is the JWK "k" value. The payload
  // has no sub, so the refusal must be about sub, not the signature.
  const auto key = parley::core::base64url_decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(key.has_value());
  const std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  expect_refused(token, "sub", *key);
  std::string tampered = token;
  tampered[token.rfind('.') + 1] = 'e';  // first signature character
  expect_refused(tampered, "bad signature", *key);
  tampered = token;
  tampered.back() = 'j';  // 'k' -> 'j' sets the unused low bits: a non-canonical encoding
  expect_refused(tampered, "malformed", *key);
}

TEST(Jwt, AcceptsIntegerSubAndFractionalExp) {
  auto r = verify_jwt(
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOjcsImV4cCI6MjAwMDAwMDAwMC41LCJuYW1lIjoiYm9iIn0."
      "w6BS9A_W_rNd78MnCgBIiCOSCckIh_ncPzubxS8kqt8",
      kSecret, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->sub, 7);
  EXPECT_EQ(r->exp, 2000000000);
  EXPECT_EQ(r->name, "bob");
}

TEST(Jwt, RefusesTamperedPayload) {
  const std::string token = sign_jwt(alice(), kSecret);
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.find('.', dot1 + 1);
  Claims mallory = alice();
  mallory.sub = 1;
  const std::string other = sign_jwt(mallory, kSecret);
  const size_t other_dot2 = other.rfind('.');
  // Mallory's payload under Alice's signature.
  expect_refused(other.substr(0, other_dot2) + token.substr(dot2), "bad signature");
  // Flipping any single character of the payload also breaks the signature (or the encoding).
  for (size_t i = dot1 + 1; i < dot2; ++i) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_jwt(t, kSecret, kNow).ok()) << i;
  }
}

TEST(Jwt, RefusesWrongSecret) {
  expect_refused(sign_jwt(alice(), kSecret), "bad signature", "another-secret");
  expect_refused(sign_jwt(alice(), kSecret), "secret", "");  // an empty secret verifies nothing
}

TEST(Jwt, RefusesAlgNoneAndOtherAlgs) {
  const std::string payload = R"({"sub":"42","name":"alice","exp":9999999999})";
  const std::string none = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + base64url_encode(payload);
  expect_refused(none + ".", "alg");
  expect_refused(none, "malformed");
  // A "none" token carrying the correct HS256 MAC is still refused: the header decides.
  expect_refused(forge(R"({"alg":"none","typ":"JWT"})", payload, kSecret), "alg");
  expect_refused(forge(R"({"alg":"NONE"})", payload, kSecret), "alg");
  expect_refused(forge(R"({"alg":"HS512","typ":"JWT"})", payload, kSecret), "alg");
  expect_refused(forge(R"({"alg":"RS256","typ":"JWT"})", payload, kSecret), "alg");
  expect_refused(forge(R"({"typ":"JWT"})", payload, kSecret), "alg");
  expect_refused(forge(R"({"alg":["HS256"]})", payload, kSecret), "alg");
  // Same claims with HS256 are fine, and a header with other members is accepted.
  EXPECT_TRUE(verify_jwt(forge(R"({"alg":"HS256"})", payload, kSecret), kSecret, kNow).ok());
  EXPECT_TRUE(verify_jwt(forge(R"({"kid":"k1","alg":"HS256"})", payload, kSecret), kSecret, kNow).ok());
  expect_refused(forge(R"({"alg":"HS256","crit":["b64"]})", payload, kSecret), "malformed");
}

TEST(Jwt, RefusesExpiredTokens) {
  Claims c = alice();
  c.exp = kNow;  // exp <= now is expired
  expect_refused(sign_jwt(c, kSecret), "expired");
  c.exp = kNow - 1;
  expect_refused(sign_jwt(c, kSecret), "expired");
  c.exp = kNow + 1;
  EXPECT_TRUE(verify_jwt(sign_jwt(c, kSecret), kSecret, kNow).ok());
}

TEST(Jwt, RefusesNotYetValid) {
  expect_refused(forge(R"({"alg":"HS256"})", R"({"sub":"1","exp":9999999999,"nbf":1800000000})", kSecret),
                 "not yet valid");
  EXPECT_TRUE(
      verify_jwt(forge(R"({"alg":"HS256"})", R"({"sub":"1","exp":9999999999,"nbf":1600000000})", kSecret), kSecret,
                 kNow)
          .ok());
}

TEST(Jwt, RefusesTokensIssuedInTheFuture) {
  Claims c = alice();
  c.iat = kNow + 120;
  expect_refused(sign_jwt(c, kSecret), "not yet valid");
  c.iat = kNow;
  EXPECT_TRUE(verify_jwt(sign_jwt(c, kSecret), kSecret, kNow).ok());
  expect_refused(forge(R"({"alg":"HS256"})", R"({"sub":"1","exp":9999999999,"iat":"yesterday"})", kSecret),
                 "malformed");
}

TEST(Jwt, ForgivesClockSkewUpToTheLeewayOnly) {
  Claims c = alice();
  c.exp = kNow - 20;  // expired 20 s ago by this node's clock
  EXPECT_TRUE(verify_jwt(sign_jwt(c, kSecret), kSecret, kNow, 30).ok());
  EXPECT_FALSE(verify_jwt(sign_jwt(c, kSecret), kSecret, kNow, 10).ok());
  c = alice();
  c.iat = kNow + 20;  // issued by a node whose clock runs 20 s ahead
  EXPECT_TRUE(verify_jwt(sign_jwt(c, kSecret), kSecret, kNow, 30).ok());
  EXPECT_FALSE(verify_jwt(sign_jwt(c, kSecret), kSecret, kNow, 10).ok());
}

TEST(Jwt, RefusesMissingOrInvalidClaims) {
  const std::string h = R"({"alg":"HS256","typ":"JWT"})";
  expect_refused(forge(h, R"({"name":"a","exp":9999999999})", kSecret), "sub");
  expect_refused(forge(h, R"({"sub":"","exp":9999999999})", kSecret), "sub");
  expect_refused(forge(h, R"({"sub":"12a","exp":9999999999})", kSecret), "sub");
  expect_refused(forge(h, R"({"sub":"-3","exp":9999999999})", kSecret), "sub");
  expect_refused(forge(h, R"({"sub":"+3","exp":9999999999})", kSecret), "sub");
  expect_refused(forge(h, R"({"sub":0,"exp":9999999999})", kSecret), "sub");
  expect_refused(forge(h, R"({"sub":1.5,"exp":9999999999})", kSecret), "sub");
  expect_refused(forge(h, R"({"sub":"99999999999999999999","exp":9999999999})", kSecret), "sub");
  expect_refused(forge(h, R"({"sub":18446744073709551615,"exp":9999999999})", kSecret), "sub");
  expect_refused(forge(h, R"({"sub":"1"})", kSecret), "exp");
  expect_refused(forge(h, R"({"sub":"1","exp":"9999999999"})", kSecret), "exp");
  expect_refused(forge(h, R"({"sub":"1","exp":null})", kSecret), "exp");
  expect_refused(forge(h, R"({"sub":"1","exp":1e400})", kSecret), "");
  expect_refused(forge(h, R"(["sub","exp"])", kSecret), "malformed");
  expect_refused(forge(h, R"({"sub":"1","exp":9999999999)", kSecret), "malformed");
}

TEST(Jwt, RefusesGarbage) {
  for (std::string_view t : {"", ".", "..", "...", "a.b.c", "a.b", "abc", "eyJhbGciOiJIUzI1NiJ9..",
                             "eyJhbGciOiJIUzI1NiJ9.e30.", "eyJhbGciOiJIUzI1NiJ9.e30.!!!!", "\xff\xfe.\x00.x"}) {
    expect_refused(t, "");
  }
  const std::string token = sign_jwt(alice(), kSecret);
  expect_refused(token + ".", "malformed");
  expect_refused(token + "AA", "");
  expect_refused(token.substr(0, token.size() - 1), "");
  expect_refused(" " + token, "");
  expect_refused(std::string(100'000, 'a'), "malformed");
}

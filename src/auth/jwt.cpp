#include "auth/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <optional>

#include "core/base64.hpp"
#include "core/json.hpp"

namespace parley::auth {
namespace {

namespace json = boost::json;
using core::ErrorCode;

// Longer tokens are refused before any decoding, so a hostile header cannot make us allocate much.
constexpr size_t kMaxTokenBytes = 16 * 1024;
constexpr std::string_view kHeaderB64 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";  // {"alg":"HS256","typ":"JWT"}

using Mac = std::array<unsigned char, 32>;

// HMAC-SHA256 of `data` under `key`. HMAC() is given a valid pointer even for an empty key.
Mac hmac_sha256(std::string_view key, std::string_view data) {
  static const unsigned char kEmpty = 0;
  Mac mac{};
  unsigned int len = 0;
  const void* key_ptr = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  const auto* data_ptr = data.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(data.data());
  HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()), data_ptr, data.size(), mac.data(), &len);
  return mac;
}

core::Result<Claims> fail(std::string message) { return core::Error{ErrorCode::unauthorized, std::move(message)}; }

// Parses base64url `part` as a JSON object; nullopt if either layer is malformed.
std::optional<json::object> decode_object(std::string_view part) {
  auto bytes = core::base64url_decode(part);
  if (!bytes) return std::nullopt;
  auto v = core::parse_json(*bytes);
  if (!v || !v->is_object()) return std::nullopt;
  return std::move(v->as_object());
}

// A NumericDate (RFC 7519 §2) as whole seconds, rounded down; nullopt if absent or not a finite number.
std::optional<int64_t> numeric_date(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) {
    if (v->as_uint64() > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(v->as_uint64());
  }
  if (v->is_double()) {
    const double d = std::floor(v->as_double());
    if (!std::isfinite(d) || d < -9.2e18 || d > 9.2e18) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

// The user id in `sub`: a JSON integer or a string of decimal digits, positive; nullopt otherwise.
std::optional<int64_t> subject(const json::object& o) {
  const json::value* v = o.if_contains("sub");
  if (!v) return std::nullopt;
  int64_t id = 0;
  if (v->is_int64()) {
    id = v->as_int64();
  } else if (v->is_uint64()) {
    return std::nullopt;  // > INT64_MAX
  } else if (v->is_string()) {
    const json::string& s = v->as_string();
    if (s.empty() || s[0] < '0' || s[0] > '9') return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (id <= 0) return std::nullopt;
  return id;
}

}  // namespace

std::string sign_jwt(const Claims& claims, std::string_view secret) {
  json::object payload;
  payload["sub"] = std::to_string(claims.sub);
  payload["name"] = claims.name;
  if (claims.iat != 0) payload["iat"] = claims.iat;
  payload["exp"] = claims.exp;
  std::string token(kHeaderB64);
  token += '.';
  token += core::base64url_encode(json::serialize(payload));
  const Mac mac = hmac_sha256(secret, token);
  token += '.';
  token += core::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
  return token;
}

core::Result<Claims> verify_jwt(std::string_view token, std::string_view secret, int64_t now_seconds,
                                int64_t leeway_seconds) {
  if (secret.empty()) return fail("no JWT secret configured");
  if (token.size() > kMaxTokenBytes) return fail("malformed token");
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return fail("malformed token");
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail("malformed token");
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);

  const auto header = decode_object(header_b64);
  if (!header) return fail("malformed token");
  const json::value* alg = header->if_contains("alg");
  if (!alg || !alg->is_string() || alg->as_string() != "HS256") return fail("unsupported alg (only HS256)");
  if (header->contains("crit")) return fail("malformed token");  // we understand no critical extensions

  const auto signature = core::base64url_decode(signature_b64);
  if (!signature) return fail("malformed token");
  const Mac expected = hmac_sha256(secret, token.substr(0, dot2));
  if (signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return fail("bad signature");
  }

  const auto payload = decode_object(payload_b64);
  if (!payload) return fail("malformed token");
  Claims claims;
  const auto sub = subject(*payload);
  if (!sub) return fail("missing or invalid sub");
  claims.sub = *sub;
  const auto exp = numeric_date(*payload, "exp");
  if (!exp) return fail("missing or invalid exp");
  claims.exp = *exp;
  if (claims.exp + leeway_seconds <= now_seconds) return fail("token expired");
  if (payload->contains("nbf")) {
    const auto nbf = numeric_date(*payload, "nbf");
    if (!nbf) return fail("malformed token");
    if (*nbf > now_seconds + leeway_seconds) return fail("token not yet valid");
  }
  if (payload->contains("iat")) {
    const auto iat = numeric_date(*payload, "iat");
    if (!iat) return fail("malformed token");
    if (*iat > now_seconds + leeway_seconds) return fail("token not yet valid");  // issued in the future
    claims.iat = *iat;
  }
  if (const json::value* name = payload->if_contains("name"); name && name->is_string()) {
    claims.name = std::string(name->as_string());
  }
  return claims;
}

}  // namespace parley::auth

#include "cluster/redis/envelope_mac.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <stdexcept>

#include "core/base64.hpp"

namespace parley::cluster::redis {

namespace {
constexpr std::string_view tag = "p1 ";
constexpr size_t mac_chars = 43;  // base64url of 32 bytes, unpadded
}  // namespace

struct EnvelopeMac::Impl {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* ctx = nullptr;
  ~Impl() {
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
  }
};

EnvelopeMac::EnvelopeMac(std::string key) : key_(std::move(key)), impl_(std::make_unique<Impl>()) {
  if (key_.empty()) return;
  impl_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (impl_->mac) impl_->ctx = EVP_MAC_CTX_new(impl_->mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  if (!impl_->ctx ||
      !EVP_MAC_init(impl_->ctx, reinterpret_cast<const unsigned char*>(key_.data()), key_.size(), params))
    throw std::runtime_error("OpenSSL has no HMAC-SHA256");
}

EnvelopeMac::~EnvelopeMac() = default;

bool EnvelopeMac::mac(std::string_view channel, std::string_view payload, unsigned char out[32]) {
  size_t len = 0;
  // A key-less init restarts with the key and digest set in the constructor.
  return EVP_MAC_init(impl_->ctx, nullptr, 0, nullptr) &&
         EVP_MAC_update(impl_->ctx, reinterpret_cast<const unsigned char*>(channel.data()), channel.size()) &&
         EVP_MAC_update(impl_->ctx, reinterpret_cast<const unsigned char*>("\n"), 1) &&
         EVP_MAC_update(impl_->ctx, reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) &&
         EVP_MAC_final(impl_->ctx, out, &len, 32) && len == 32;
}

std::string EnvelopeMac::seal(std::string_view channel, std::string_view payload) {
  if (!enabled()) return std::string(payload);
  unsigned char raw[32];
  if (!mac(channel, payload, raw)) throw std::runtime_error("HMAC-SHA256 failed");
  std::string out;
  out.reserve(tag.size() + mac_chars + 1 + payload.size());
  out += tag;
  out += core::base64url_encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
  out += '\n';
  out += payload;
  return out;
}

std::optional<std::string_view> EnvelopeMac::open(std::string_view channel, std::string_view wire) {
  if (!enabled()) return wire;
  if (wire.size() < tag.size() + mac_chars + 1 || !wire.starts_with(tag) || wire[tag.size() + mac_chars] != '\n')
    return std::nullopt;
  auto given = core::base64url_decode(wire.substr(tag.size(), mac_chars));
  std::string_view payload = wire.substr(tag.size() + mac_chars + 1);
  unsigned char expected[32];
  if (!given || given->size() != 32 || !mac(channel, payload, expected)) return std::nullopt;
  if (CRYPTO_memcmp(given->data(), expected, 32) != 0) return std::nullopt;
  return payload;
}

}  // namespace parley::cluster::redis

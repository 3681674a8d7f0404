#pragma once
// EnvelopeMac: seals what a node publishes with an HMAC-SHA256 under the cluster key (--cluster-key), bound to
// the Redis channel, and opens only what verifies, so a client of Redis that is not a Parley node of this
// cluster (anyone who can PUBLISH) cannot inject messages: they are dropped and counted.
// Wire form: "p1 " + 43 base64url characters of the MAC + "\n" + payload; the MAC covers channel "\n" payload.
// An empty key disables it (seal adds nothing, open takes everything): tests only, never `parley serve`.
// Thread safety: one thread at a time (it reuses one OpenSSL MAC context); the RedisBroker uses it on the
// Runtime's thread only.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::cluster::redis {

class EnvelopeMac {
 public:
  explicit EnvelopeMac(std::string key);
  ~EnvelopeMac();
  EnvelopeMac(const EnvelopeMac&) = delete;
  EnvelopeMac& operator=(const EnvelopeMac&) = delete;

  bool enabled() const { return !key_.empty(); }
  // `payload` as published on `channel` (the full Redis channel name).
  std::string seal(std::string_view channel, std::string_view payload);
  // The payload of `wire` if its MAC verifies for `channel`, else empty.
  std::optional<std::string_view> open(std::string_view channel, std::string_view wire);

 private:
  // The raw 32-byte MAC of channel "\n" payload.
  bool mac(std::string_view channel, std::string_view payload, unsigned char out[32]);
  std::string key_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::cluster::redis

#include "signed_tokens.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <ctime>

namespace bench {

namespace {
std::string base64url(const unsigned char* data, size_t size) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  for (size_t i = 0; i < size; i += 3) {
    uint32_t v = uint32_t(data[i]) << 16;
    if (i + 1 < size) v |= uint32_t(data[i + 1]) << 8;
    if (i + 2 < size) v |= data[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (i + 1 < size) out += alphabet[(v >> 6) & 63];
    if (i + 2 < size) out += alphabet[v & 63];
  }
  return out;
}

std::string base64url(const std::string& s) { return base64url(reinterpret_cast<const unsigned char*>(s.data()), s.size()); }
}  // namespace

std::vector<Account> signed_accounts(const std::string& prefix, size_t count, const std::string& secret,
                                     int64_t id_base) {
  const std::string head = base64url(R"({"alg":"HS256","typ":"JWT"})");
  const int64_t now = std::time(nullptr);
  std::vector<Account> accounts(count);
  for (size_t i = 0; i < count; ++i) {
    Account& a = accounts[i];
    a.id = id_base + int64_t(i);
    a.username = prefix + std::to_string(i);
    boost::json::object claims{{"sub", std::to_string(a.id)}, {"name", a.username}, {"iat", now}, {"exp", now + 86400}};
    std::string signing_input = head + "." + base64url(boost::json::serialize(claims));
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_size = 0;
    HMAC(EVP_sha256(), secret.data(), int(secret.size()), reinterpret_cast<const unsigned char*>(signing_input.data()),
         signing_input.size(), mac, &mac_size);
    a.token = signing_input + "." + base64url(mac, mac_size);
  }
  return accounts;
}

}  // namespace bench

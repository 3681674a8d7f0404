#pragma once
// Access: how every connection of a process reaches Redis — the ACL user and password it authenticates with
// (AUTH on every connection and reconnect), and TLS (a client context that verifies the server's certificate
// and host name). Also where connections report that Redis refuses them (a wrong password, NOAUTH, NOPERM, a
// failed TLS handshake), so /readyz can say why. Parsed from the --broker URL (parse_broker_url).
// Thread safety: Access is immutable once made (share it as shared_ptr<const Access>); Refusals is safe from
// any thread.
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace parley::cluster::redis {

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string address() const { return host + ":" + std::to_string(port); }
  bool operator==(const Endpoint&) const = default;
};

// Parses HOST:PORT (a Redis Cluster seed or a MOVED target); empty when malformed.
std::optional<Endpoint> parse_host_port(std::string_view text);

// The last time Redis refused this process, and why (never containing a password).
class Refusals {
 public:
  void note(std::string why);
  // The last refusal if it happened within `window`, else empty.
  std::optional<std::string> recent(std::chrono::milliseconds window) const;

 private:
  mutable std::mutex mutex_;
  std::string why_;
  std::chrono::steady_clock::time_point at_{};
};

struct Access {
  std::string user;      // empty: the default user (AUTH with the password only)
  std::string password;  // empty with an empty user: no AUTH
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain TCP
  std::shared_ptr<Refusals> refusals = std::make_shared<Refusals>();
  bool authenticates() const { return !user.empty() || !password.empty(); }
};

// --broker as parsed: redis[s]://[USER:PASSWORD@]HOST[:PORT][/...] or
// redis[s]-cluster://[USER:PASSWORD@]HOST:PORT,HOST:PORT,... (USER and PASSWORD percent-decoded).
struct BrokerUrl {
  bool cluster = false;
  bool tls = false;  // rediss:// or rediss-cluster://
  std::vector<Endpoint> endpoints;  // the server, or the cluster's seeds
  std::string user, password;
};
// Error messages never contain the password.
core::Result<BrokerUrl> parse_broker_url(const std::string& url);

// Files of the TLS client: the CA that signed the server certificates (empty: the system's trust store), and
// a client certificate + key for servers that require one (tls-auth-clients yes; both or neither).
struct TlsFiles {
  std::string ca, cert, key;
};
core::Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const TlsFiles& files);

// Percent-decodes `text` (%XX); empty when malformed.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace parley::cluster::redis

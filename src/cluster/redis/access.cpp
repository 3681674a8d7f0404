#include "cluster/redis/access.hpp"

#include <openssl/ssl.h>

#include <charconv>

namespace parley::cluster::redis {

using core::ErrorCode;

void Refusals::note(std::string why) {
  std::lock_guard lock(mutex_);
  why_ = std::move(why);
  at_ = std::chrono::steady_clock::now();
}

std::optional<std::string> Refusals::recent(std::chrono::milliseconds window) const {
  std::lock_guard lock(mutex_);
  if (why_.empty() || std::chrono::steady_clock::now() - at_ > window) return std::nullopt;
  return why_;
}

std::optional<Endpoint> parse_host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  int port = 0;
  auto [p, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), port);
  if (ec != std::errc() || p != text.data() + text.size() || port <= 0 || port > 65535) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return Endpoint{std::string(host), port};
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= text.size()) return std::nullopt;
    auto [p, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc() || p != text.data() + i + 3) return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

core::Result<BrokerUrl> parse_broker_url(const std::string& url) {
  BrokerUrl out;
  std::string_view rest(url);
  struct Scheme {
    std::string_view prefix;
    bool cluster, tls;
  };
  constexpr Scheme schemes[] = {{"redis://", false, false},
                                {"rediss://", false, true},
                                {"redis-cluster://", true, false},
                                {"rediss-cluster://", true, true}};
  bool known = false;
  for (auto& s : schemes)
    if (rest.starts_with(s.prefix)) {
      rest.remove_prefix(s.prefix.size());
      out.cluster = s.cluster;
      out.tls = s.tls;
      known = true;
      break;
    }
  // What the operator wrote, with any credentials hidden.
  std::string shown = url;
  if (auto scheme = url.find("://"); scheme != std::string::npos) {
    auto end = url.find('/', scheme + 3);
    auto at = url.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at != std::string::npos && at > scheme) shown = url.substr(0, scheme + 3) + "***" + url.substr(at);
  }
  auto bad = [&shown](const std::string& why) {
    return core::Error{ErrorCode::bad_request,
                       "--broker must be local, redis://HOST:PORT or redis-cluster://HOST:PORT,HOST:PORT,... "
                       "(USER:PASSWORD@ before the host sends AUTH; rediss:// and rediss-cluster:// use TLS)" +
                           (why.empty() ? std::string() : ": " + why) + " (got \"" + shown + "\")"};
  };
  if (!known)
    return bad("");
  if (auto slash = rest.find('/'); slash != std::string_view::npos) rest = rest.substr(0, slash);
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos)
      return bad("the credentials must be USER:PASSWORD@ or :PASSWORD@ (percent-encode ':', '@' and '/' in them)");
    auto user = percent_decode(userinfo.substr(0, colon));
    auto password = percent_decode(userinfo.substr(colon + 1));
    if (!user || !password) return bad("malformed percent-encoding in the user or password");
    out.user = std::move(*user);
    out.password = std::move(*password);
    if (out.user.empty() && out.password.empty()) return bad("an empty user and password (drop the '@')");
  }
  // The host part never holds the password, so it may be quoted in messages.
  std::string hosts(rest);
  while (!rest.empty() || out.endpoints.empty()) {
    auto comma = rest.find(',');
    std::string_view one = rest.substr(0, comma);
    std::optional<Endpoint> e;
    if (!out.cluster && one.find(':') == std::string_view::npos) e = Endpoint{one.empty() ? "127.0.0.1" : std::string(one), 6379};
    else e = parse_host_port(one);
    if (!e) return bad("\"" + hosts + "\" is not HOST:PORT" + std::string(out.cluster ? ",HOST:PORT,..." : ""));
    out.endpoints.push_back(*e);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (!out.cluster) break;
  }
  if (!rest.empty()) return bad("redis:// takes one server (a Redis Cluster is redis-cluster://HOST:PORT,...)");
  return out;
}

core::Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const TlsFiles& files) {
  namespace ssl = boost::asio::ssl;
  if (files.cert.empty() != files.key.empty())
    return core::Error{ErrorCode::bad_request, "--redis-cert and --redis-key go together"};
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  std::string what;
  if (files.ca.empty()) {
    ctx->set_default_verify_paths(ec);
    what = "the system's CA certificates";
  } else {
    ctx->load_verify_file(files.ca, ec);
    what = "--redis-ca " + files.ca;
  }
  if (!ec && !files.cert.empty()) {
    what = "--redis-cert " + files.cert;
    ctx->use_certificate_chain_file(files.cert, ec);
    if (!ec) {
      what = "--redis-key " + files.key;
      ctx->use_private_key_file(files.key, ssl::context::pem, ec);
    }
  }
  if (ec) return core::Error{ErrorCode::bad_request, "cannot load " + what + ": " + ec.message()};
  return ctx;
}

}  // namespace parley::cluster::redis

#include "net/cors.hpp"

#include <algorithm>
#include <cctype>

namespace parley::net {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view kAllowMethods = "GET, POST, OPTIONS";
constexpr std::string_view kAllowHeaders = "Authorization, Content-Type, X-Api-Key";
constexpr std::string_view kMaxAgeSeconds = "600";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; }

// True for a serialised origin as browsers send it: http(s)://host[:port], the host a name, an IPv4
// address or a bracketed IPv6 address; no path, query, user info or trailing slash.
bool is_origin(std::string_view origin) {
  std::string_view rest;
  if (origin.starts_with("http://")) rest = origin.substr(7);
  else if (origin.starts_with("https://")) rest = origin.substr(8);
  else return false;
  std::string_view host = rest, port;
  if (rest.starts_with('[')) {
    auto close = rest.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    if (!std::all_of(rest.begin() + 1, rest.begin() + close,
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; }))
      return false;
    host = rest.substr(0, close + 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return false;
      port = after.substr(1);
      if (port.empty()) return false;
    }
  } else {
    auto colon = rest.find(':');
    if (colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
      if (port.empty()) return false;
    }
    if (host.empty() || host.size() > 253 || !std::all_of(host.begin(), host.end(), is_host_char)) return false;
  }
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    if (std::stoi(std::string(port)) > 65535) return false;
  }
  return true;
}

}  // namespace

core::Result<CorsPolicy> CorsPolicy::parse(const std::vector<std::string>& origins) {
  CorsPolicy policy;
  for (const std::string& given : origins) {
    // "a, b" in PARLEY_CORS_ORIGIN: the spaces around a comma are not part of an origin.
    const auto first = given.find_first_not_of(" \t"), last = given.find_last_not_of(" \t");
    const std::string origin = first == std::string::npos ? "" : given.substr(first, last - first + 1);
    if (origin == "*") {
      policy.any_ = true;
      continue;
    }
    if (!is_origin(origin))
      return core::Error{core::ErrorCode::bad_request,
                         "--cors-origin \"" + origin + "\" is not an origin: give scheme://host[:port] (http or "
                         "https, no path or trailing slash), or *"};
    policy.origins_.push_back(lower(origin));
  }
  return policy;
}

bool CorsPolicy::allows(std::string_view origin) const {
  if (!enabled() || !is_origin(origin)) return false;
  if (any_) return true;
  std::string wanted = lower(origin);
  return std::find(origins_.begin(), origins_.end(), wanted) != origins_.end();
}

bool CorsPolicy::allows_upgrade(const HttpRequest& request) const {
  auto origin = request.find(http::field::origin);
  if (!enabled() || origin == request.end()) return true;
  return allows(origin->value());
}

std::string CorsPolicy::header_lines(std::string_view origin) const {
  if (!enabled()) return {};
  // Vary: Origin whenever the answer depends on the Origin header, granted or not, so caches keep them apart.
  std::string lines = "Vary: Origin\r\n";
  if (allows(origin)) lines += "Access-Control-Allow-Origin: " + std::string(origin) + "\r\n";
  return lines;
}

void CorsPolicy::grant(std::string_view origin, HttpResponse& response) const {
  if (!enabled()) return;
  response.set(http::field::vary, "Origin");
  if (allows(origin)) response.set(http::field::access_control_allow_origin, origin);
}

HttpResponse CorsPolicy::preflight(const HttpRequest& request) const {
  HttpResponse res{http::status::no_content, request.version()};
  std::string_view origin = request[http::field::origin];
  grant(origin, res);
  if (allows(origin)) {
    res.set(http::field::access_control_allow_methods, kAllowMethods);
    res.set(http::field::access_control_allow_headers, kAllowHeaders);
    res.set(http::field::access_control_max_age, kMaxAgeSeconds);
  }
  res.prepare_payload();
  return res;
}

bool is_preflight(const HttpRequest& request) {
  return request.method() == http::verb::options && request.count(http::field::origin) > 0 &&
         request.count(http::field::access_control_request_method) > 0;
}

}  // namespace parley::net

#include "net/request_token.hpp"

namespace parley::net {

namespace http = boost::beast::http;

std::string_view target_path(std::string_view target) { return target.substr(0, target.find('?')); }

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
        hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::string> bearer_token(const HttpRequest& request) {
  auto it = request.find(http::field::authorization);
  if (it == request.end()) return std::nullopt;
  std::string_view value = trim(it->value());
  constexpr std::string_view prefix = "Bearer ";
  if (value.size() <= prefix.size()) return std::nullopt;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(value[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return std::nullopt;
  return std::string(trim(value.substr(prefix.size())));
}

std::optional<FoundToken> find_request_token(const HttpRequest& request) {
  if (auto it = request.find(http::field::sec_websocket_protocol); it != request.end()) {
    // A browser sends `new WebSocket(url, token)` as this header; take the first offered value.
    std::string_view value = it->value();
    std::string_view first = trim(value.substr(0, value.find(',')));
    if (!first.empty()) return FoundToken{std::string(first), true};
  }
  if (auto q = query_param(request.target(), "token"); q && !q->empty()) return FoundToken{*q, false};
  if (auto b = bearer_token(request)) return FoundToken{*b, false};
  return std::nullopt;
}

}  // namespace parley::net

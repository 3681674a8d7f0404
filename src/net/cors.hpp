#pragma once
// CorsPolicy: which other origins may call this node from a browser (docs/protocol.md §7, `--cors-origin`).
// Empty (the default): no CORS header is ever sent, so only same-origin pages can read answers. Otherwise
// listed origins (or every origin, with `*`) get `Access-Control-Allow-Origin` (their own origin echoed, with
// `Vary: Origin`) on REST and Engine.IO long-polling answers, preflights are answered 204, and a WebSocket
// upgrade whose Origin header is present but not listed is refused (a browser does not apply CORS to
// WebSockets, so the server must). Requests without Origin (non-browser clients) are never affected.
// Thread safety: immutable after parse(); read from every loop.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "net/http_types.hpp"

namespace parley::net {

class CorsPolicy {
 public:
  CorsPolicy() = default;  // allows no other origin

  // The policy for `--cors-origin` values: each `*` or an origin `scheme://host[:port]` (http or https, no
  // path); bad_request naming the flag and the value otherwise.
  static core::Result<CorsPolicy> parse(const std::vector<std::string>& origins);

  bool enabled() const { return any_ || !origins_.empty(); }
  // True when `origin` (a request's Origin header) may read answers: listed, or any origin with `*`.
  // A malformed origin (or "null") is never granted.
  bool allows(std::string_view origin) const;
  // Whether a WebSocket upgrade carrying these headers may go on.
  bool allows_upgrade(const HttpRequest& request) const;
  // The preflight answer (OPTIONS with Access-Control-Request-Method) for `request`: 204, with the grant
  // headers only when its origin is allowed.
  HttpResponse preflight(const HttpRequest& request) const;
  // Header lines ("Name: value\r\n"...) to add to an answer to a request from `origin`; empty when none.
  std::string header_lines(std::string_view origin) const;
  // Adds those headers to `response`.
  void grant(std::string_view origin, HttpResponse& response) const;

 private:
  bool any_ = false;
  std::vector<std::string> origins_;  // lower case, as browsers serialise origins
};

// True for a request that is a CORS preflight: OPTIONS with Origin and Access-Control-Request-Method.
bool is_preflight(const HttpRequest& request);

}  // namespace parley::net

#pragma once
// Where a real-time client may put its token (docs/protocol.md §3): the Sec-WebSocket-Protocol header (echoed
// back), the `token` query parameter, or `Authorization: Bearer`. Thread safety: stateless.
#include <optional>
#include <string>
#include <string_view>

#include "net/http_types.hpp"

namespace parley::net {

struct FoundToken {
  std::string token;
  bool from_subprotocol = false;  // the server must then echo it as the selected subprotocol
};

// The first token found, in the order: subprotocol, query, Authorization header.
std::optional<FoundToken> find_request_token(const HttpRequest& request);
// The bearer token of an Authorization header, if any.
std::optional<std::string> bearer_token(const HttpRequest& request);
// The value of query parameter `name` in a request target (percent-decoded), if present.
std::optional<std::string> query_param(std::string_view target, std::string_view name);
// The path of a request target, without the query.
std::string_view target_path(std::string_view target);

}  // namespace parley::net

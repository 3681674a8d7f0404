// libFuzzer target: what the server takes from an HTTP request before anything else: the request itself
// (Beast's parser, bounded as the server bounds it), the path and query of its target, and the token of a
// real-time client (subprotocol, ?token=, Authorization: Bearer). Nothing may crash; a token found is never
// empty and never longer than the request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/beast/http.hpp>

#include "net/request_token.hpp"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The target alone, as a query string would be read.
  for (std::string_view name : {"token", "sid", "EIO", "transport", "before", "limit", "after"})
    (void)parley::net::query_param(input, name);
  std::string_view path = parley::net::target_path(input);
  if (path.size() > input.size()) std::abort();

  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& request = parser.get();
  if (auto found = parley::net::find_request_token(request)) {
    if (found->token.empty() || found->token.size() > size) std::abort();
  }
  if (auto bearer = parley::net::bearer_token(request)) {
    if (bearer->size() > size) std::abort();
  }
  return 0;
}

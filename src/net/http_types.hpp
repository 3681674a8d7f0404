#pragma once
// The HTTP vocabulary shared by the listener (net) and the REST handlers (api).
// Thread safety: plain types; a Responder may be called from any thread, exactly once.
#include <boost/beast/http.hpp>
#include <functional>
#include <string>

#include "chat/session.hpp"
#include "core/error.hpp"

namespace parley::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using Responder = std::function<void(HttpResponse)>;
// Answers one plain HTTP request (not an upgrade) from `client` (net/client_address.hpp); `respond` may run on
// any thread.
using HttpHandler = std::function<void(HttpRequest&& request, const std::string& client, Responder respond)>;
// Turns a bearer token into the identity it proves; unauthorized when it proves none.
using Authenticator = std::function<core::Result<chat::Identity>(std::string_view token)>;

// A JSON response with the given status and body.
HttpResponse json_response(unsigned status, std::string body, unsigned version = 11);
// The contract's error body {"error":{"code","message"}} with the code's status.
HttpResponse error_response(const core::Error& error, unsigned version = 11);

}  // namespace parley::net

#include "net/http_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "core/metrics.hpp"
#include "net/client_address.hpp"
#include "net/connection_gate.hpp"
#include "net/engineio/service.hpp"
#include "net/request_token.hpp"
#include "net/ws_connection.hpp"
#include "net/ws_upgrade.hpp"
#include "protocol/ws_handshake.hpp"

namespace parley::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using core::ErrorCode;

namespace {
// A whole request (headers and body) must arrive within this, and a kept-alive connection that sends nothing
// for this long is closed: a client trickling bytes (slowloris) holds a connection 15 s, not forever.
constexpr auto request_timeout = std::chrono::seconds(15);
constexpr size_t header_limit_bytes = 16 * 1024;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

HttpConnection::HttpConnection(asio::ip::tcp::socket socket, size_t loop_index, ConnectionContext& context)
    : stream_(std::move(socket)), loop_index_(loop_index), context_(context) {}

std::string HttpConnection::client_of(const HttpRequest& request) {
  boost::system::error_code ec;
  auto peer = stream_.socket().remote_endpoint(ec);
  return ec ? std::string("unknown") : client_address(peer.address(), request, context_.trusted_proxies);
}

void HttpConnection::start() {
  asio::co_spawn(stream_.get_executor(), [self = shared_from_this()] { return self->run(); }, asio::detached);
}

asio::awaitable<HttpResponse> HttpConnection::call_handler(HttpRequest request) {
  auto ex = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(HttpResponse)>(
      [this, ex](auto handler, HttpRequest req) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        const std::string client = client_of(req);
        context_.http(std::move(req), client, [shared, ex](HttpResponse res) {
          asio::post(ex, [shared, res = std::move(res)]() mutable { (*shared)(std::move(res)); });
        });
      },
      asio::use_awaitable, std::move(request));
}

asio::awaitable<void> HttpConnection::run() {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(header_limit_bytes);
    parser.body_limit(context_.limits.max_http_body_bytes);
    stream_.expires_after(request_timeout);
    auto [ec, n] = co_await http::async_read(stream_, buffer, parser, use_tuple);
    if (ec == http::error::header_limit) {
      HttpResponse res{http::status::request_header_fields_too_large, 11};
      res.set(http::field::content_type, "application/json");
      res.body() = R"({"error":{"code":"too_large","message":"the request headers are too large"}})";
      res.prepare_payload();
      res.keep_alive(false);
      co_await http::async_write(stream_, res, use_tuple);
      break;
    }
    if (ec == http::error::body_limit) {
      auto res = error_response({ErrorCode::too_large, "the request body is too large"});
      res.keep_alive(false);
      context_.cors.grant(parser.get()[http::field::origin], res);  // so a page can read why
      co_await http::async_write(stream_, res, use_tuple);
      break;
    }
    if (ec) break;
    core::metrics().http_requests.fetch_add(1, std::memory_order_relaxed);
    HttpRequest request = parser.release();
    std::string_view path = target_path(request.target());
    const CorsPolicy& cors = context_.cors;
    if (cors.enabled() && is_preflight(request)) {
      HttpResponse res = cors.preflight(request);
      res.keep_alive(request.keep_alive());
      auto [wec, wn] = co_await http::async_write(stream_, res, use_tuple);
      if (wec || !request.keep_alive()) break;
      continue;
    }
    if (beast::websocket::is_upgrade(request) && !cors.allows_upgrade(request)) {
      auto refusal = error_response({ErrorCode::forbidden, "WebSocket connections from this origin are not allowed"},
                                    request.version());
      refusal.keep_alive(false);
      co_await http::async_write(stream_, refusal, use_tuple);
      break;
    }
    if (context_.socketio && context_.socketio->handles(path)) {
      bool taken = false;
      const std::string client = client_of(request);
      bool more = co_await context_.socketio->serve(stream_, std::move(request), buffer, loop_index_, client, taken);
      if (taken) co_return;
      if (!more) break;
      continue;
    }
    if (beast::websocket::is_upgrade(request) && (path == "/ws" || path == "/entrypoint")) {
      co_await upgrade_native(std::move(request), buffer);
      co_return;
    }
    bool keep_alive = request.keep_alive();
    unsigned version = request.version();
    std::string origin(request[http::field::origin]);
    HttpResponse res = co_await call_handler(std::move(request));
    res.version(version);
    res.keep_alive(keep_alive);
    cors.grant(origin, res);
    stream_.expires_after(request_timeout);
    auto [wec, wn] = co_await http::async_write(stream_, res, use_tuple);
    if (wec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.close();
}

asio::awaitable<void> HttpConnection::upgrade_native(HttpRequest request, beast::flat_buffer& buffer) {
  auto key = request[http::field::sec_websocket_key];
  auto token = find_request_token(request);
  ConnectionGate* gate = context_.gate;
  core::Result<chat::Identity> identity{ErrorCode::unauthorized, "a token is required"};
  std::optional<int64_t> retry_after;
  // Cheapest refusals first: the address's handshake rate and a full node cost no token check.
  if (gate && (retry_after = gate->handshakes.take(client_of(request))))
    identity = core::Error{ErrorCode::rate_limited, "too many WebSocket handshakes from this address"};
  else if (gate && gate->node_full())
    identity = core::Error{ErrorCode::unavailable, "this node is full: try another node, or later"};
  else if (request[http::field::sec_websocket_version] != "13" || !protocol::ws::is_valid_key(key))
    identity = core::Error{ErrorCode::bad_request, "a WebSocket upgrade needs version 13 and a valid key"};
  else if (token)
    identity = context_.authenticate(token->token);
  bool user_counted = false;
  if (identity && gate && gate->per_user.enabled()) {
    user_counted = gate->per_user.try_enter(identity->user_id);
    if (!user_counted) identity = core::Error{ErrorCode::rate_limited, "too many connections for this user"};
  }
  if (!identity) {
    auto refusal = error_response(identity.error(), request.version());
    if (retry_after) refusal.set(http::field::retry_after, std::to_string(*retry_after));
    refusal.keep_alive(false);
    co_await http::async_write(stream_, refusal, use_tuple);
    stream_.close();
    co_return;
  }

  auto res = switching_protocols(request, token->from_subprotocol ? std::string_view(token->token) : std::string_view());
  stream_.expires_never();
  auto [ec, n] = co_await http::async_write(stream_, res, use_tuple);
  if (ec) {
    if (user_counted) gate->per_user.leave(identity->user_id);
    co_return;
  }

  // From here the connection holds the user's place (if counted) and gives it back when it is destroyed.
  auto connection = std::make_shared<WsConnection>(stream_.release_socket(), loop_index_, context_,
                                                   std::move(*identity), user_counted);
  connection->start(bytes_after_upgrade(buffer));
}

}  // namespace parley::net

#include "net/engineio/service.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "auth/random.hpp"
#include "net/connection_gate.hpp"
#include "net/engineio/engine_session.hpp"
#include "net/engineio/socketio_handler.hpp"
#include "net/engineio/ws_transport.hpp"
#include "net/request_token.hpp"
#include "protocol/engineio.hpp"
#include "protocol/ws_handshake.hpp"
#include "net/ws_upgrade.hpp"

namespace parley::net::engineio {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace eio = protocol::engineio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// `prefix` + 120 random bits, base64url.
std::string new_sid(const std::string& prefix) { return prefix + auth::random_id(15); }

std::string_view reason_phrase(unsigned status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// Writes an answer with one gather write: the status line and headers, then every piece as it is (shared
// delivery buffers are not copied).
// `extra_headers` are whole header lines ("Name: value\r\n"...).
asio::awaitable<bool> write_answer(beast::tcp_stream& stream, const PollAnswer& answer, bool keep_alive,
                                   std::string_view extra_headers) {
  size_t length = 0;
  for (const auto& p : answer.pieces) length += p.bytes().size();
  std::string head = "HTTP/1.1 " + std::to_string(answer.status) + " " + std::string(reason_phrase(answer.status)) +
                     "\r\nContent-Type: " + answer.content_type + "\r\nContent-Length: " + std::to_string(length) +
                     "\r\nCache-Control: no-store\r\n" + std::string(extra_headers) +
                     (keep_alive ? "" : "Connection: close\r\n") + "\r\n";
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(answer.pieces.size() + 1);
  buffers.emplace_back(head.data(), head.size());
  for (const auto& p : answer.pieces) buffers.emplace_back(p.bytes().data(), p.bytes().size());
  stream.expires_after(std::chrono::seconds(30));
  auto [ec, n] = co_await asio::async_write(stream, buffers, use_tuple);
  co_return !ec && keep_alive;
}

// What a polling request does on its session's loop.
using SessionOp = std::function<void(EngineSession&, PollResponder)>;

// Runs `op(session, responder)` on the session's loop and waits (without blocking) for the answer, which is
// posted back to `ex`. Not a coroutine itself, and called with named arguments only: GCC 12 destroys some
// temporaries of a co_await expression twice.
asio::awaitable<PollAnswer> ask(const std::shared_ptr<EngineSession>& session, const asio::any_io_executor& ex,
                                const SessionOp& op) {
  return asio::async_initiate<const asio::use_awaitable_t<>, void(PollAnswer)>(
      [session, ex, op](auto handler) mutable {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        PollResponder respond = [shared, ex](PollAnswer a) {
          asio::post(ex, [shared, a = std::move(a)]() mutable { (*shared)(std::move(a)); });
        };
        asio::post(session->executor(), [session, op, respond = std::move(respond)]() mutable {
          op(*session, std::move(respond));
        });
      },
      asio::use_awaitable);
}

asio::awaitable<void> refuse_upgrade(beast::tcp_stream& stream, int code, unsigned version,
                                     http::status status = http::status::bad_request,
                                     std::optional<int64_t> retry_after = std::nullopt) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::content_type, "application/json");
  if (retry_after) res.set(http::field::retry_after, std::to_string(*retry_after));
  res.body() = eio::encode_error_body(code);
  res.prepare_payload();
  res.keep_alive(false);
  co_await http::async_write(stream, res, use_tuple);
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream.close();
}

}  // namespace

Service::Service(chat::Node* node, Authenticator authenticate, core::Limits limits, Options options,
                 const CorsPolicy& cors)
    : node_(node),
      authenticate_(std::move(authenticate)),
      config_{options, limits.send_queue_bytes, {options.ping_interval_ms, options.ping_timeout_ms}},
      cors_(cors),
      pending_(options.max_unauthenticated_sessions),
      socketio_context_{node_, &authenticate_, &config_, &pending_, nullptr} {}

void Service::set_gate(ConnectionGate* gate) {
  gate_ = gate;
  socketio_context_.users = gate_ && !config_.options.conformance ? &gate_->per_user : nullptr;
}

bool Service::handles(std::string_view path) const {
  if (path == "/socket.io" || path.starts_with("/socket.io/")) return true;
  return config_.options.conformance && (path == "/engine.io" || path.starts_with("/engine.io/"));
}

std::shared_ptr<EngineSession> Service::make_session(const asio::any_io_executor& executor, size_t loop_index,
                                                     const HttpRequest& request, bool echo) {
  std::optional<std::string> token;
  if (auto t = find_request_token(request)) token = std::move(t->token);
  const bool counted = !echo && !config_.options.conformance;
  if (counted && !pending_.try_enter()) return nullptr;
  const auto& loop = *executor.target<EngineSession::LoopExecutor>();
  if (echo) {
    static EchoHandler echo_handler;
    auto session = std::make_shared<EngineSession>(loop, loop_index, new_sid(config_.options.sid_prefix), config_,
                                                   std::move(token), registry_);
    session->set_handler(&echo_handler);
    return session;
  }
  return std::make_shared<SocketIoSession>(loop, loop_index, new_sid(config_.options.sid_prefix), config_,
                                           std::move(token), registry_, node_, authenticate_,
                                           config_.options.conformance, counted ? &pending_ : nullptr,
                                           gate_ && !config_.options.conformance ? &gate_->per_user : nullptr);
}

asio::awaitable<bool> Service::serve(beast::tcp_stream& stream, HttpRequest request, beast::flat_buffer& buffer,
                                     size_t loop_index, const std::string& client, bool& taken) {
  std::string_view target = request.target();
  bool echo = target_path(target).starts_with("/engine.io");
  bool keep_alive = request.keep_alive();
  auto eio_version = query_param(target, "EIO");
  auto transport_name = query_param(target, "transport");
  auto sid = query_param(target, "sid");
  if (sid && sid->empty()) sid.reset();
  auto transport = transport_name ? eio::parse_transport(*transport_name) : std::nullopt;
  bool is_upgrade = beast::websocket::is_upgrade(request);
  const std::string cors_lines = cors_.header_lines(request[http::field::origin]);

  int error = -1;
  if (!transport) error = eio::error_code::unknown_transport;
  else if (!eio_version || *eio_version != "4") error = eio::error_code::unsupported_protocol_version;
  else if (is_upgrade && *transport != eio::Transport::websocket) error = eio::error_code::bad_request;
  else if (!is_upgrade && *transport != eio::Transport::polling) error = eio::error_code::bad_request;
  if (is_upgrade) {
    if (error < 0 && (request[http::field::sec_websocket_version] != "13" ||
                      !protocol::ws::is_valid_key(request[http::field::sec_websocket_key])))
      error = eio::error_code::bad_request;
    taken = true;
    if (error >= 0) {
      co_await refuse_upgrade(stream, error, request.version());
      co_return false;
    }
    // Every WebSocket upgrade costs the address a handshake; a new session (no sid) must also find room.
    if (auto wait = gate_ ? gate_->handshakes.take(client) : std::nullopt) {
      co_await refuse_upgrade(stream, eio::error_code::forbidden, request.version(), http::status::too_many_requests,
                              wait);
      co_return false;
    }
    if (!sid && gate_ && gate_->node_full()) {
      co_await refuse_upgrade(stream, eio::error_code::forbidden, request.version(),
                              http::status::service_unavailable);
      co_return false;
    }
    co_await upgrade(stream, std::move(request), buffer, loop_index, std::move(sid), echo);
    co_return false;
  }
  PollAnswer answer;
  std::string extra_headers = cors_lines;
  if (error >= 0) {
    answer = error_answer(error);
  } else if (!sid) {
    std::optional<int64_t> wait;
    if (request.method() != http::verb::get) {
      answer = error_answer(eio::error_code::bad_handshake_method);
    } else if (gate_ && (wait = gate_->handshakes.take(client))) {
      answer = error_answer(eio::error_code::forbidden, 429);
      extra_headers += "Retry-After: " + std::to_string(*wait) + "\r\n";
    } else if (gate_ && gate_->node_full()) {
      answer = error_answer(eio::error_code::forbidden, 503);
    } else {
      auto session = make_session(stream.get_executor(), loop_index, request, echo);
      if (!session) answer = error_answer(eio::error_code::forbidden, 503);
      else session->open_polling([&answer](PollAnswer a) { answer = std::move(a); });
    }
  } else if (auto session = registry_.find(*sid); !session) {
    answer = error_answer(eio::error_code::unknown_sid);
  } else if (request.method() == http::verb::get || request.method() == http::verb::post) {
    SessionOp op;
    if (request.method() == http::verb::get) {
      op = [](EngineSession& s, PollResponder r) { s.on_poll(std::move(r)); };
    } else {
      auto body = std::make_shared<std::string>(std::move(request.body()));
      op = [body](EngineSession& s, PollResponder r) { s.on_post(std::move(*body), std::move(r)); };
    }
    auto ex = stream.get_executor();
    answer = co_await ask(session, ex, op);
  } else {
    answer = error_answer(eio::error_code::bad_request);
  }
  bool more = co_await write_answer(stream, answer, keep_alive, extra_headers);
  co_return more;
}

asio::awaitable<void> Service::open_socketio_websocket(beast::tcp_stream& stream, HttpRequest request,
                                                       beast::flat_buffer& buffer, size_t loop_index) {
  if (!pending_.try_enter())
    co_return co_await refuse_upgrade(stream, eio::error_code::forbidden, request.version(),
                                      http::status::service_unavailable);
  std::optional<std::string> token;
  if (auto t = find_request_token(request)) token = std::move(t->token);
  auto res = switching_protocols(request);
  stream.expires_never();
  auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
  if (ec) {
    pending_.leave();
    co_return;
  }
  auto connection = std::make_shared<SocketIoConnection>(WsCore::adopt(stream.release_socket()), loop_index,
                                                         socketio_context_, std::move(token));
  connection->start(new_sid(config_.options.sid_prefix), bytes_after_upgrade(buffer));
}

asio::awaitable<void> Service::upgrade(beast::tcp_stream& stream, HttpRequest request, beast::flat_buffer& buffer,
                                       size_t loop_index, std::optional<std::string> sid, bool echo) {
  if (!sid && !echo && !config_.options.conformance)
    co_return co_await open_socketio_websocket(stream, std::move(request), buffer, loop_index);
  std::shared_ptr<EngineSession> existing;
  std::shared_ptr<EngineSession> fresh;
  if (sid) {
    existing = registry_.find(*sid);
    if (!existing) co_return co_await refuse_upgrade(stream, eio::error_code::unknown_sid, request.version());
  } else {
    fresh = make_session(stream.get_executor(), loop_index, request, echo);
    if (!fresh)
      co_return co_await refuse_upgrade(stream, eio::error_code::forbidden, request.version(),
                                        http::status::service_unavailable);
  }
  auto res = switching_protocols(request);
  stream.expires_never();
  auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
  if (ec) co_return;
  std::string initial = bytes_after_upgrade(buffer);
  // The socket moves to the session's loop (the upgrade of a polling session may arrive on another one).
  auto& session = fresh ? fresh : existing;
  auto transport = std::make_shared<WsTransport>(WsCore::adopt(session->executor(), stream.release_socket()),
                                                 config_.options.max_payload, config_.send_queue_bytes,
                                                 config_.heartbeat);
  if (fresh) {
    fresh->open_websocket(std::move(transport), initial);
    co_return;
  }
  asio::post(existing->executor(), [existing, transport, initial = std::move(initial)]() mutable {
    existing->on_upgrade(std::move(transport), std::move(initial));
  });
}

void Service::close_all() {
  for (auto& session : registry_.all()) {
    asio::post(session->executor(), [session] { session->close("server shutting down", 1001); });
  }
}

}  // namespace parley::net::engineio

// `parley publish`: a server-side emit from the shell, through a node's POST /api/publish.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "app/commands.hpp"
#include "core/json.hpp"

namespace parley::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

int publish(const PublishCommand& c) {
  // http://HOST:PORT[/...]
  std::string rest = c.url.starts_with("http://") ? c.url.substr(7) : c.url;
  rest = rest.substr(0, rest.find('/'));
  auto colon = rest.rfind(':');
  std::string host = colon == std::string::npos ? rest : rest.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : rest.substr(colon + 1);

  auto parsed = core::parse_json(c.data);
  if (!parsed) {
    std::fprintf(stderr, "parley publish: --data is not JSON: %s\n", parsed.error().message.c_str());
    return 2;
  }
  json::value data = std::move(*parsed);
  json::object to;
  if (!c.to_user.empty()) {
    try {
      to["user"] = std::stoll(c.to_user);
    } catch (...) {
      std::fprintf(stderr, "parley publish: --to-user must be a user id\n");
      return 2;
    }
  } else if (!c.to_room.empty()) {
    to["room"] = c.to_room;
  } else {
    to["all"] = true;
  }
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(asio::ip::tcp::resolver(io).resolve(host, port));
    http::request<http::string_body> req{http::verb::post, "/api/publish", 11};
    req.set(http::field::host, rest);
    req.set(http::field::content_type, "application/json");
    req.set("X-Api-Key", c.api_key);
    req.body() = json::serialize(json::object{{"to", to}, {"event", c.event}, {"data", data}});
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    if (res.result_int() != 202) {
      std::fprintf(stderr, "parley publish: %u %s\n", res.result_int(), res.body().c_str());
      return 1;
    }
    std::printf("published %s\n", c.event.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley publish: %s: %s\n", c.url.c_str(), e.what());
    return 1;
  }
}

}  // namespace parley::app

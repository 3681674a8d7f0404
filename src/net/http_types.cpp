#include "net/http_types.hpp"

#include <boost/json.hpp>

namespace parley::net {

namespace http = boost::beast::http;

HttpResponse json_response(unsigned status, std::string body, unsigned version) {
  HttpResponse res{static_cast<http::status>(status), version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

HttpResponse error_response(const core::Error& error, unsigned version) {
  boost::json::object body{
      {"error", boost::json::object{{"code", to_string(error.code)}, {"message", error.message}}}};
  return json_response(core::http_status(error.code), boost::json::serialize(body), version);
}

}  // namespace parley::net

#include "core/json.hpp"

#include <cmath>

#include <boost/json/parse.hpp>

namespace parley::core {

namespace json = boost::json;

namespace {
bool all_finite(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_: return std::isfinite(v.get_double());
    case json::kind::array:
      for (const auto& e : v.get_array())
        if (!all_finite(e)) return false;
      return true;
    case json::kind::object:
      for (const auto& kv : v.get_object())
        if (!all_finite(kv.value())) return false;
      return true;
    default: return true;
  }
}
}  // namespace

Result<json::value> parse_json(std::string_view text) {
  json::error_code ec;
  json::parse_options options;
  options.max_depth = max_json_depth;
  json::value v = json::parse(text, ec, {}, options);
  if (ec) return Error{ErrorCode::bad_request, "invalid JSON: " + ec.message()};
  if (!all_finite(v)) return Error{ErrorCode::bad_request, "invalid JSON: number out of range"};
  return v;
}

}  // namespace parley::core

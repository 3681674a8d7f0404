#pragma once
// Parsing JSON that comes from outside (clients, HTTP bodies, tokens). Boost.JSON accepts numbers such as
// 1E311 and stores them as infinity, which it then serialises as `Infinity`: not JSON. A value parsed here
// has a bounded depth and only finite numbers, so whatever we echo or forward stays valid JSON.
#include <string_view>

#include <boost/json/value.hpp>

#include "core/error.hpp"

namespace parley::core {

inline constexpr unsigned max_json_depth = 64;

// The value, or a message saying why the text is refused ("invalid JSON: …", "number out of range").
Result<boost::json::value> parse_json(std::string_view text);

}  // namespace parley::core

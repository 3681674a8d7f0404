#pragma once
// Parsing JSON that comes from outside (clients, HTTP bodies, tokens). Boost.JSON accepts numbers such as
// 1E311 and stores them as infinity, which it then serialises as `Infinity`: not JSON. A value parsed here
// has a bounded depth and only finite numbers, so whatever we echo or forward stays valid JSON.
#include <string_view>

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include "core/error.hpp"

namespace parley::core {

inline constexpr unsigned max_json_depth = 64;

// The value, or a message saying why the text is refused ("invalid JSON: …", "number out of range"). Its
// strings, arrays and objects are allocated from `storage`.
Result<boost::json::value> parse_json(std::string_view text, boost::json::storage_ptr storage = {});

// Storage for one small document that is read, not edited (a client's request): one allocation holds its
// first 3/4 KiB, where the default storage makes one per key, string, array and object, and freeing it is one
// deallocation. Shared: it lives as long as a value (or a copy of one) that uses it.
boost::json::storage_ptr request_storage();

}  // namespace parley::core

#pragma once
// UTF-8 validation and code-point counting (docs/protocol.md §4: `text` must be valid UTF-8 and its length
// counts Unicode code points). Pure functions over bytes.
#include <cstddef>
#include <optional>
#include <string_view>

namespace parley::core {

// True iff `s` is well-formed UTF-8 per RFC 3629: no overlong encodings, no surrogates (U+D800..U+DFFF),
// nothing above U+10FFFF, no truncated or stray continuation bytes. The empty string is valid.
// Checks ASCII runs 8 bytes at a time.
bool is_valid_utf8(std::string_view s);

// The number of Unicode code points in `s`, or nullopt if `s` is not valid UTF-8.
std::optional<size_t> utf8_code_points(std::string_view s);

}  // namespace parley::core

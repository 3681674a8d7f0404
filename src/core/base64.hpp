#pragma once
// Base64 (RFC 4648 §4) and base64url (RFC 4648 §5), hand-coded so parley_core needs no OpenSSL.
// Decoders are strict: no whitespace, no characters outside the alphabet, and the unused low bits of the
// last character must be zero (so every byte string has exactly one accepted encoding).
#include <optional>
#include <string>
#include <string_view>

namespace parley::core {

// `data` in standard base64 with '=' padding.
std::string base64_encode(std::string_view data);

// The bytes encoded by padded standard base64 `text` (length a multiple of 4), or nullopt if malformed.
std::optional<std::string> base64_decode(std::string_view text);

// `data` in base64url ('-' and '_') without padding, as JWTs use it.
std::string base64url_encode(std::string_view data);

// The bytes encoded by base64url `text`, padded or not, or nullopt if malformed.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace parley::core

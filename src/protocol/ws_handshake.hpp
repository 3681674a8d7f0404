#pragma once
// The two pieces of the RFC 6455 opening handshake that are pure functions: checking the client's
// Sec-WebSocket-Key and computing Sec-WebSocket-Accept. Beast parses the HTTP upgrade request itself.
#include <string>
#include <string_view>

namespace parley::protocol::ws {

// The Sec-WebSocket-Accept value for a Sec-WebSocket-Key (RFC 6455 §4.2.2): base64(SHA-1(key + GUID)).
// Thread safety: pure function; safe from any thread.
std::string accept_key(std::string_view sec_websocket_key);

// True iff `key` is the canonical padded base64 of exactly 16 bytes (24 characters ending in "==").
// Thread safety: pure function; safe from any thread.
bool is_valid_key(std::string_view key);

}  // namespace parley::protocol::ws

#pragma once
// Checks of client-supplied names and texts against the contract's limits (docs/protocol.md §4).
// Thread safety: stateless functions.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace parley::chat {

// Room names: 1-64 of [A-Za-z0-9_.-].
bool is_valid_room_name(std::string_view name);
// Usernames: 3-32 of [a-z0-9_.-].
bool is_valid_username(std::string_view name);
// Passwords of new users: 8-1024 bytes of valid UTF-8 with at least 8 code points (the --demo users keep theirs).
// Answers the bad_request to send, or nothing when the password is acceptable.
std::optional<core::Error> password_problem(std::string_view password);
// Event names of server-side emit: 1-64 printable ASCII characters.
bool is_valid_event_name(std::string_view name);

// Reads data[key] as a room name; bad_request when missing or invalid.
core::Result<std::string> room_field(const boost::json::value& data, std::string_view key = "room");
// Reads data[key] as a message text of 1..max_chars code points; bad_request / too_large.
core::Result<std::string> text_field(const boost::json::value& data, std::string_view key, size_t max_chars);
// Reads an optional string field of at most max_bytes; bad_request when present with another type.
core::Result<std::string> optional_string_field(const boost::json::value& data, std::string_view key,
                                                size_t max_bytes);
// Reads the optional clientMsgId: a string of 1-64 characters; bad_request otherwise ("" when absent).
core::Result<std::string> client_msg_id_field(const boost::json::value& data);
// A user id given as a positive JSON integer or a string of digits; 0 when it is neither.
int64_t user_id_value(const boost::json::value& v);
// A page of a listing: names (or ids) after `after`, at most `limit` (1-100; default 100).
struct Page {
  std::string after;
  int limit = 100;
};
// Reads {after?, limit?}: `after` a string (rooms) or number (users, as text), `limit` an integer clamped to
// 1-100; bad_request for other types.
core::Result<Page> page_fields(const boost::json::value& data);
// Reads an optional non-negative integer field; bad_request when present and not such a number.
core::Result<std::optional<int64_t>> optional_int_field(const boost::json::value& data, std::string_view key);

}  // namespace parley::chat

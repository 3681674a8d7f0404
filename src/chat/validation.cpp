#include "chat/validation.hpp"

#include <algorithm>
#include <charconv>
#include <climits>

#include "core/utf8.hpp"

namespace parley::chat {

namespace json = boost::json;
using core::ErrorCode;

namespace {
bool all_of_chars(std::string_view s, bool (*ok)(char)) { return std::all_of(s.begin(), s.end(), ok); }
const json::value* field(const json::value& data, std::string_view key) {
  if (!data.is_object()) return nullptr;
  return data.as_object().if_contains(key);
}
}  // namespace

bool is_valid_room_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && all_of_chars(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

bool is_valid_username(std::string_view name) {
  return name.size() >= 3 && name.size() <= 32 && all_of_chars(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

std::optional<core::Error> password_problem(std::string_view password) {
  constexpr size_t min_chars = 8, max_bytes = 1024;
  if (password.size() > max_bytes) return core::Error{core::ErrorCode::bad_request, "password is too long"};
  auto chars = core::utf8_code_points(password);
  if (!chars) return core::Error{core::ErrorCode::bad_request, "password must be valid UTF-8"};
  if (*chars < min_chars) return core::Error{core::ErrorCode::bad_request, "password must be at least 8 characters"};
  return std::nullopt;
}

bool is_valid_event_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && all_of_chars(name, [](char c) { return c > 0x20 && c < 0x7f; });
}

core::Result<std::string> room_field(const json::value& data, std::string_view key) {
  auto* v = field(data, key);
  if (!v || !v->is_string()) return core::Error{ErrorCode::bad_request, std::string(key) + " must be a string"};
  std::string_view name = v->as_string();
  if (!is_valid_room_name(name))
    return core::Error{ErrorCode::bad_request, "room names are 1-64 of [A-Za-z0-9_.-]"};
  return std::string(name);
}

core::Result<std::string> text_field(const json::value& data, std::string_view key, size_t max_chars) {
  auto* v = field(data, key);
  if (!v || !v->is_string()) return core::Error{ErrorCode::bad_request, std::string(key) + " must be a string"};
  std::string_view text = v->as_string();
  auto chars = core::utf8_code_points(text);
  if (!chars) return core::Error{ErrorCode::bad_request, std::string(key) + " is not valid UTF-8"};
  if (*chars == 0) return core::Error{ErrorCode::bad_request, std::string(key) + " is empty"};
  if (*chars > max_chars)
    return core::Error{ErrorCode::too_large,
                       std::string(key) + " is longer than " + std::to_string(max_chars) + " characters"};
  return std::string(text);
}

core::Result<std::string> optional_string_field(const json::value& data, std::string_view key, size_t max_bytes) {
  auto* v = field(data, key);
  if (!v || v->is_null()) return std::string();
  if (!v->is_string()) return core::Error{ErrorCode::bad_request, std::string(key) + " must be a string"};
  if (v->as_string().size() > max_bytes)
    return core::Error{ErrorCode::too_large, std::string(key) + " is too long"};
  return std::string(v->as_string());
}

core::Result<std::string> client_msg_id_field(const json::value& data) {
  constexpr size_t max_chars = 64;
  auto* v = field(data, "clientMsgId");
  if (!v || v->is_null()) return std::string();
  auto chars = v->is_string() ? core::utf8_code_points(v->as_string()) : std::nullopt;
  if (!chars || *chars == 0 || *chars > max_chars)
    return core::Error{ErrorCode::bad_request, "clientMsgId must be a string of 1-64 characters"};
  return std::string(v->as_string());
}

int64_t user_id_value(const json::value& v) {
  int64_t id = 0;
  if (v.is_int64()) {
    id = v.as_int64();
  } else if (v.is_uint64()) {
    id = v.as_uint64() <= static_cast<uint64_t>(INT64_MAX) ? static_cast<int64_t>(v.as_uint64()) : 0;
  } else if (v.is_string()) {
    std::string_view digits = v.as_string();
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (ec != std::errc() || end != digits.data() + digits.size()) id = 0;
  }
  return id > 0 ? id : 0;
}

core::Result<Page> page_fields(const json::value& data) {
  Page page;
  if (const auto* after = field(data, "after"); after && !after->is_null()) {
    if (after->is_string()) page.after = std::string(after->as_string());
    else if (after->is_int64()) page.after = std::to_string(after->as_int64());
    else return core::Error{ErrorCode::bad_request, "after must be the last name (or id) of the previous page"};
  }
  auto limit = optional_int_field(data, "limit");
  if (!limit) return limit.error();
  page.limit = static_cast<int>(std::clamp<int64_t>(limit->value_or(100), 1, 100));
  return page;
}

core::Result<std::optional<int64_t>> optional_int_field(const json::value& data, std::string_view key) {
  auto* v = field(data, key);
  if (!v || v->is_null()) return std::optional<int64_t>();
  if (v->is_int64() && v->as_int64() >= 0) return std::optional<int64_t>(v->as_int64());
  if (v->is_uint64() && v->as_uint64() <= INT64_MAX) return std::optional<int64_t>(int64_t(v->as_uint64()));
  if (v->is_double() && v->as_double() >= 0 && v->as_double() < 9e15 &&
      v->as_double() == static_cast<double>(static_cast<int64_t>(v->as_double())))
    return std::optional<int64_t>(static_cast<int64_t>(v->as_double()));
  return core::Error{ErrorCode::bad_request, std::string(key) + " must be a non-negative integer"};
}

}  // namespace parley::chat

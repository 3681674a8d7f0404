#pragma once
// Error codes of the external contract (docs/protocol.md §2, §4) and a small Result type.
// Thread safety: plain values; safe to copy between threads.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace parley::core {

enum class ErrorCode {
  bad_request,
  unauthorized,
  forbidden,
  not_found,
  conflict,
  too_large,
  rate_limited,
  unavailable,
  internal,
};

// The wire name of a code, e.g. "rate_limited".
std::string_view to_string(ErrorCode code);
// The HTTP status that carries a code (400, 401, 403, 404, 409, 413, 429, 503, 500).
int http_status(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
};

// Either a value or an Error. Deliberately tiny: C++20 has no std::expected.
template <class T>
class Result {
 public:
  Result() : error_{ErrorCode::internal, "no result"} {}  // needed by asio completion handlers
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Error error) : error_(std::move(error)) {}  // NOLINT
  Result(ErrorCode code, std::string message) : error_{code, std::move(message)} {}

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  const Error& error() const { return error_; }

 private:
  std::optional<T> value_;
  Error error_;
};

struct Unit {};

}  // namespace parley::core

#pragma once
// The errors both backends answer in the same words, so that a caller (and a test) sees one store.
// Thread safety: stateless.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace parley::store::common {

// not_found: find_user of a name nobody has.
inline core::Error no_user_named(const std::string& username) {
  return core::Error{core::ErrorCode::not_found, "no user named '" + username + "'"};
}

// not_found: find_user_by_id of an id nobody has.
inline core::Error no_user_with_id(int64_t id) {
  return core::Error{core::ErrorCode::not_found, "no user with id " + std::to_string(id)};
}

// conflict: create_user of a name taken.
inline core::Error username_taken(const std::string& username) {
  return core::Error{core::ErrorCode::conflict, "username '" + username + "' is taken"};
}

// forbidden: join_room creating a room past the user's `max_created`.
inline core::Error too_many_rooms(int64_t max_created) {
  return core::Error{core::ErrorCode::forbidden,
                     "you have created " + std::to_string(max_created) + " rooms, the most allowed"};
}

// internal: a statement that always answers a row answered none.
inline core::Error missing_row(std::string_view what) {
  return core::Error{core::ErrorCode::internal, std::string(what) + ": statement returned no row"};
}

}  // namespace parley::store::common

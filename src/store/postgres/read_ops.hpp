#pragma once
// The SQL of every read, as statements prepared on a reader's connection, one autocommit statement each.
// History limits are clamped to [1, 1000] (common/rows.hpp), rows mapped by common/rows.hpp.
// Thread safety: none; each reader thread owns its own ReadOps.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/postgres/connection.hpp"
#include "store/store.hpp"

namespace parley::store::postgres {

class ReadOps {
 public:
  // Prepares every read statement on `connection` (which must outlive the result).
  static core::Result<ReadOps> prepare(Connection& connection);

  // The user and their password hash; not_found if absent.
  core::Result<UserCredentials> find_user(const std::string& username);
  // The user with this id; not_found if absent.
  core::Result<User> find_user_by_id(int64_t id);
  // The room's last seq, or nullopt when the room does not exist.
  core::Result<std::optional<int64_t>> room_last_seq(const std::string& room);
  // Up to `limit` room names after `after`, ascending (byte order); conversations are not rooms here.
  core::Result<std::vector<std::string>> list_rooms(const std::string& after, int limit);
  // Up to `limit` messages with seq < before (the newest without `before`), ascending by seq.
  core::Result<std::vector<StoredMessage>> messages_before(const std::string& room, std::optional<int64_t> before,
                                                           int limit);
  // Up to `limit` messages with seq > after, ascending by seq.
  core::Result<std::vector<StoredMessage>> messages_after(const std::string& room, int64_t after, int limit);
  // The join of a room the user has joined before: last seq and read seq; nullopt when the room or the
  // membership is missing (the writer then makes them).
  core::Result<std::optional<RoomJoin>> known_join(int64_t user_id, const std::string& room);
  // Store::user_rooms and Store::conversations, one query each.
  core::Result<std::vector<ReadState>> user_rooms(int64_t user_id);
  core::Result<std::vector<Conversation>> conversations(int64_t user_id);
  // Runs a trivial query.
  core::Result<core::Unit> ping();

 private:
  explicit ReadOps(Connection& connection) : connection_(&connection) {}

  Connection* connection_;
};

}  // namespace parley::store::postgres

#pragma once
// The schema migration runner both backends share: a schema is a list of numbered migrations (append only),
// a table schema_version records the ones applied, and a database written by a newer binary is refused. The
// backend brings its SQL and how one migration is applied (its transaction, its locking).
// Thread safety: none; run once on a store's first connection before any store thread starts.
#include <span>
#include <string>

#include "core/error.hpp"

namespace parley::store::common {

// One step of a schema: its number (strictly increasing along the list) and its SQL.
struct Migration {
  int version;
  const char* sql;
};

// The version of the last migration of a non-empty list.
inline int latest_version(std::span<const Migration> migrations) { return migrations.back().version; }

// Creates schema_version if missing, refuses a recorded version newer than the last of `migrations`, then
// hands every newer migration in order to `apply(connection, migration)`, stopping at the first error.
// `current_version(connection)` answers core::Result<int>, the highest version recorded.
template <class Connection, class CurrentVersion, class Apply>
core::Result<core::Unit> migrate(Connection& connection, std::span<const Migration> migrations,
                                 CurrentVersion&& current_version, Apply&& apply) {
  auto created = connection.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)",
                                 "creating schema_version");
  if (!created) return created.error();
  core::Result<int> version = current_version(connection);
  if (!version) return version.error();
  const int latest = latest_version(migrations);
  if (*version > latest) {
    return core::Error{core::ErrorCode::internal, "database schema version " + std::to_string(*version) +
                                                      " is newer than this binary supports (" +
                                                      std::to_string(latest) + "); upgrade parley"};
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= *version) continue;
    if (core::Result<core::Unit> applied = apply(connection, migration); !applied) return applied;
  }
  return core::Unit{};
}

}  // namespace parley::store::common

#pragma once
// The SQLite schema as numbered migrations, applied in order when the store opens.
// Thread safety: none; called once on the write connection before any store thread starts.
#include "core/error.hpp"
#include "store/sqlite/connection.hpp"

namespace parley::store::sqlite {

// The schema version this binary writes (the number of the last migration).
int latest_schema_version();

// Brings the database up to latest_schema_version(): creates the schema_version table if missing and applies
// every migration newer than the recorded version, each in its own transaction. Fails if the database was
// written by a newer binary (its version is higher than ours).
core::Result<core::Unit> migrate(Connection& connection);

}  // namespace parley::store::sqlite

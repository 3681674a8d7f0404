#pragma once
// The PostgreSQL schema as numbered migrations, applied when a store opens. Several nodes may start at once:
// the migrations run under a cluster-wide advisory lock, so exactly one node applies each of them.
// Thread safety: none; called once per store on its first connection before any store thread starts.
#include "core/error.hpp"
#include "store/postgres/connection.hpp"

namespace parley::store::postgres {

// The schema version this binary writes (the number of the last migration).
int latest_schema_version();

// Brings the database up to latest_schema_version() while holding pg_advisory_lock: creates schema_version if
// missing and applies every newer migration in its own transaction. Fails if the database was written by a
// newer binary (its version is higher than ours).
core::Result<core::Unit> migrate(Connection& connection);

}  // namespace parley::store::postgres

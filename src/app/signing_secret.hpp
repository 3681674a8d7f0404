#pragma once
// The secret tokens are signed with (docs/protocol.md §7): --jwt-secret when given; otherwise one generated on
// the first start and kept in the store, so tokens outlive restarts and every node sharing a PostgreSQL store
// signs alike. With a cluster broker and a SQLite store the nodes share no secret, so --jwt-secret is required.
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

namespace parley::app {

// Blocks (start-up only) until the store answers. Errors are one line for the operator.
core::Result<std::string> signing_secret(const core::Config& config, store::Store& store);

}  // namespace parley::app

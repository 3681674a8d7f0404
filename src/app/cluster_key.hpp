#pragma once
// The key nodes seal their broker envelopes with (--cluster-key; cluster/redis/envelope_mac.hpp): the flag
// when given (at least 32 bytes); otherwise, with a Redis broker, one generated on the first start and kept
// in the store, so every node sharing a PostgreSQL store seals alike with no flag. With a Redis broker and a
// SQLite store the nodes share nothing, so the flag is required. A local broker needs no key ("").
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

namespace parley::app {

// Blocks (start-up only) until the store answers. Errors are one line for the operator, without the key.
core::Result<std::string> cluster_key(const core::Config& config, store::Store& store);

}  // namespace parley::app

#pragma once
// What a client hears when the store or presence failed: the code `unavailable` and a generic message. The
// cause goes to the log only: it may name hosts, tables or SQL.
// Thread safety: stateless (logs through spdlog, which is thread-safe).
#include <string_view>

#include "core/error.hpp"

namespace parley::chat {

core::Error unavailable(std::string_view what, const core::Error& cause);

}  // namespace parley::chat

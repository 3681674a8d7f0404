#pragma once
// URLs fit for logs: the password of scheme://USER:PASSWORD@HOST... replaced by "***" (every '@'-separated
// credential of the authority; Redis Cluster URLs have one before their list of seeds).
// Thread safety: a pure function.
#include <string>

namespace parley::core {

// `url` with its password (if any) replaced by "***".
std::string redact_url(const std::string& url);

}  // namespace parley::core

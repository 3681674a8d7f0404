#pragma once
// docs/protocol.md, built into the binary so that GET /docs/protocol.md serves the reference that matches this
// very build. Thread safety: constant data.
#include <string_view>

namespace parley::api {

std::string_view protocol_markdown();

}  // namespace parley::api

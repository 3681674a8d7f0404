#include "chat/unavailable.hpp"

#include <spdlog/spdlog.h>

namespace parley::chat {

core::Error unavailable(std::string_view what, const core::Error& cause) {
  spdlog::warn("{}: {}", what, cause.message);
  return core::Error{core::ErrorCode::unavailable, std::string(what) + "; try again"};
}

}  // namespace parley::chat

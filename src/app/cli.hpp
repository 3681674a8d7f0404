#pragma once
// The command line: `parley serve | user add | publish | version`, every option also an environment
// variable (PARLEY_<NAME>). Thread safety: used from main only.
#include <optional>
#include <variant>
#include <string>

#include "core/config.hpp"

namespace parley::app {

struct PublishCommand {
  std::string url = "http://127.0.0.1:8080";
  std::string api_key;
  std::string to_user, to_room;
  bool to_all = false;
  std::string event;
  std::string data = "null";
};

struct Command {
  enum class Kind { serve, user_add, publish, version } kind = Kind::serve;
  core::Config config;
  std::string username;  // user add
  PublishCommand publish;
};

// Parses argv; on --help or an error prints and answers the exit code to return.
std::variant<Command, int> parse_command_line(int argc, char** argv);
// Seconds in a duration such as "24h", "30m", "45s" or "3600"; nullopt when malformed.
std::optional<int64_t> parse_duration_seconds(const std::string& text);

}  // namespace parley::app

#pragma once
// The subcommands; each answers the process exit code.
#include "app/cli.hpp"

namespace parley::app {

int serve(const core::Config& config);
int user_add(const core::Config& config, const std::string& username);
int publish(const PublishCommand& command);

}  // namespace parley::app

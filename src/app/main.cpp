// parley: one binary for every shape (docs/protocol.md §1).
#include <cstdio>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/version.hpp"

int main(int argc, char** argv) {
  auto parsed = parley::app::parse_command_line(argc, argv);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  auto& command = std::get<parley::app::Command>(parsed);
  using Kind = parley::app::Command::Kind;
  switch (command.kind) {
    case Kind::serve: return parley::app::serve(command.config);
    case Kind::user_add: return parley::app::user_add(command.config, command.username);
    case Kind::publish: return parley::app::publish(command.publish);
    case Kind::version: std::printf("parley %s\n", parley::app::version); return 0;
  }
  return 2;
}

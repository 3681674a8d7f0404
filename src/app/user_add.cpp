// `parley user add NAME`: creates a user in the store, the password read from stdin.
#include <iostream>
#include <string>

#include "app/commands.hpp"
#include "app/open_backends.hpp"
#include "app/wait.hpp"
#include "auth/password.hpp"
#include "chat/validation.hpp"

namespace parley::app {

int user_add(const core::Config& config, const std::string& username) {
  if (!chat::is_valid_username(username)) {
    std::fprintf(stderr, "parley: user names are 3-32 of [a-z0-9_.-]\n");
    return 2;
  }
  std::string password;
  std::getline(std::cin, password);
  if (auto problem = chat::password_problem(password)) {
    std::fprintf(stderr, "parley: the password (read from stdin): %s\n", problem->message.c_str());
    return 2;
  }
  auto store = open_store(config.store);
  if (!store) {
    std::fprintf(stderr, "parley: %s\n", store.error().message.c_str());
    return 2;
  }
  std::string hash = auth::hash_password(password);
  auto user = wait_for<store::User>([&](auto done) { (*store)->create_user(username, hash, done); });
  (*store)->flush();
  if (!user) {
    std::fprintf(stderr, "parley: %s\n", user.error().message.c_str());
    return 1;
  }
  std::printf("created user %s (id %lld)\n", user->username.c_str(), static_cast<long long>(user->id));
  return 0;
}

}  // namespace parley::app

#include "app/demo.hpp"

#include "app/wait.hpp"
#include "auth/password.hpp"

namespace parley::app {

core::Result<core::Unit> create_demo_data(store::Store& store) {
  for (const char* name : {"alice", "bob", "carol", "dave", "erin"}) {
    auto found = wait_for<store::UserCredentials>([&](auto done) { store.find_user(name, done); });
    if (found) continue;
    if (found.error().code != core::ErrorCode::not_found) return found.error();
    std::string hash = auth::hash_password("1234");
    auto made = wait_for<store::User>([&](auto done) { store.create_user(name, hash, done); });
    if (!made && made.error().code != core::ErrorCode::conflict) return made.error();
  }
  for (const char* room : {"general", "random"}) {
    auto ensured = wait_for<int64_t>([&](auto done) { store.ensure_room(room, done); });
    if (!ensured) return ensured.error();
  }
  return core::Unit{};
}

}  // namespace parley::app

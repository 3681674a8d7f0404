#include "app/signing_secret.hpp"

#include "app/wait.hpp"
#include "auth/secret.hpp"

namespace parley::app {

namespace {
constexpr const char* kSettingName = "jwt_secret";
}

core::Result<std::string> signing_secret(const core::Config& config, store::Store& store) {
  if (!config.jwt_secret.empty()) return config.jwt_secret;
  if (config.broker != "local" && config.store.starts_with("sqlite:"))
    return core::Error{core::ErrorCode::bad_request,
                       "--jwt-secret is required with a cluster broker and a SQLite store: nodes do not share a "
                       "secret kept in a SQLite file (use a PostgreSQL store, or give every node the same "
                       "--jwt-secret)"};
  core::Result<std::string> fresh = auth::generate_secret();
  if (!fresh) return fresh.error();
  core::Result<std::string> kept = wait_for<std::string>(
      [&](store::Callback<std::string> done) { store.keep_setting(kSettingName, *fresh, std::move(done)); });
  if (!kept) return core::Error{kept.error().code, "cannot keep the token signing secret: " + kept.error().message};
  if (!auth::is_generated_secret(*kept))
    return core::Error{core::ErrorCode::internal,
                       "the token signing secret kept in the store is corrupt (not 64 hex digits): delete the "
                       "settings row 'jwt_secret' (every token then ends) or pass --jwt-secret"};
  return *kept;
}

}  // namespace parley::app

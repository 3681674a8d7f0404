#include "app/cluster_key.hpp"

#include "app/wait.hpp"
#include "auth/secret.hpp"
#include "cluster/redis/access.hpp"

namespace parley::app {

namespace {
constexpr const char* kSettingName = "cluster_key";
constexpr size_t kMinKeyBytes = 32;
}  // namespace

core::Result<std::string> cluster_key(const core::Config& config, store::Store& store) {
  // No key for a local broker; none for a malformed --broker either (open_cluster says what is wrong with it).
  if (config.broker == "local" || !cluster::redis::parse_broker_url(config.broker)) return std::string();
  if (!config.cluster_key.empty()) {
    if (config.cluster_key.size() < kMinKeyBytes)
      return core::Error{core::ErrorCode::bad_request,
                         "--cluster-key must be at least 32 bytes (for example: openssl rand -hex 32)"};
    return config.cluster_key;
  }
  if (config.store.starts_with("sqlite:"))
    return core::Error{core::ErrorCode::bad_request,
                       "--cluster-key is required with a Redis broker and a SQLite store: nodes do not share a key "
                       "kept in a SQLite file (use a PostgreSQL store, or give every node the same --cluster-key, "
                       "e.g. openssl rand -hex 32)"};
  core::Result<std::string> fresh = auth::generate_secret();
  if (!fresh) return fresh.error();
  core::Result<std::string> kept = wait_for<std::string>(
      [&](store::Callback<std::string> done) { store.keep_setting(kSettingName, *fresh, std::move(done)); });
  if (!kept) return core::Error{kept.error().code, "cannot keep the cluster key: " + kept.error().message};
  if (!auth::is_generated_secret(*kept))
    return core::Error{core::ErrorCode::internal,
                       "the cluster key kept in the store is corrupt (not 64 hex digits): delete the settings row "
                       "'cluster_key' (restart every node) or pass --cluster-key"};
  return *kept;
}

}  // namespace parley::app

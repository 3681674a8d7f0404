#include "app/open_backends.hpp"

#include "chat/local_rate_limit.hpp"
#include "cluster/local_broker.hpp"
#include "cluster/local_presence.hpp"
#include "cluster/redis/redis_broker.hpp"
#include "cluster/redis/redis_presence.hpp"
#include "cluster/redis/redis_rate_limit.hpp"
#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"

namespace parley::app {

core::Result<std::unique_ptr<store::Store>> open_store(const std::string& url) {
  constexpr std::string_view sqlite_prefix = "sqlite:";
  if (url.starts_with(sqlite_prefix)) {
    auto opened = store::SqliteStore::open(url.substr(sqlite_prefix.size()));
    if (!opened) return opened.error();
    return std::unique_ptr<store::Store>(std::move(opened.value()));
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    auto opened = store::PostgresStore::open(url);
    if (!opened) return opened.error();
    return std::unique_ptr<store::Store>(std::move(opened.value()));
  }
  return core::Error{core::ErrorCode::bad_request,
                     "--store must be sqlite:PATH or postgres://... (got \"" + url + "\")"};
}

core::Result<Cluster> open_cluster(const core::Config& config) {
  if (config.broker == "local") {
    return Cluster{std::make_unique<cluster::LocalBroker>(), std::make_unique<cluster::LocalPresence>(),
                   std::make_unique<chat::LocalRateLimit>(config.limits.rate_limit, config.limits.rate_burst)};
  }
  if (auto endpoint = cluster::redis::parse_redis_url(config.broker)) {
    // One Redis thread for the broker, presence and the rate limit of this process.
    auto runtime = std::make_shared<cluster::redis::Runtime>();
    auto local_limit =
        std::make_unique<chat::LocalRateLimit>(config.limits.rate_limit, config.limits.rate_burst);
    return Cluster{std::make_unique<cluster::redis::RedisBroker>(runtime, *endpoint),
                   std::make_unique<cluster::redis::RedisPresence>(runtime, *endpoint, config.node_id),
                   std::make_unique<cluster::redis::RedisRateLimit>(runtime, *endpoint, config.limits.rate_limit,
                                                                    config.limits.rate_burst, std::move(local_limit))};
  }
  return core::Error{core::ErrorCode::bad_request,
                     "--broker must be local or redis://HOST:PORT (got \"" + config.broker + "\")"};
}

}  // namespace parley::app

#include "app/open_backends.hpp"

#include "chat/local_rate_limit.hpp"
#include "cluster/local_broker.hpp"
#include "cluster/local_presence.hpp"
#include "cluster/redis/cluster_client.hpp"
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
  // One Redis thread and one command client for the broker, presence and the rate limit of this process.
  namespace redis = cluster::redis;
  auto runtime = std::make_shared<redis::Runtime>();
  std::shared_ptr<redis::Client> client;
  std::unique_ptr<redis::Subscriber> subscriber;
  if (auto endpoint = redis::parse_redis_url(config.broker)) {
    client = std::make_shared<redis::SingleClient>(runtime, *endpoint);
    subscriber = std::make_unique<redis::ChannelSubscriber>(*runtime, *endpoint);
  } else if (auto seeds = redis::parse_redis_cluster_url(config.broker)) {
    auto cluster_client = std::make_shared<redis::ClusterClient>(runtime, *seeds);
    subscriber = std::make_unique<redis::ShardedSubscriber>(*cluster_client);
    client = std::move(cluster_client);
  }
  if (client) {
    auto local_limit = std::make_unique<chat::LocalRateLimit>(config.limits.rate_limit, config.limits.rate_burst);
    return Cluster{std::make_unique<redis::RedisBroker>(client, std::move(subscriber)),
                   std::make_unique<redis::RedisPresence>(client, config.node_id),
                   std::make_unique<redis::RedisRateLimit>(client, config.limits.rate_limit, config.limits.rate_burst,
                                                           std::move(local_limit))};
  }
  return core::Error{core::ErrorCode::bad_request,
                     "--broker must be local, redis://HOST:PORT or redis-cluster://HOST:PORT,... (got \"" + config.broker + "\")"};
}

}  // namespace parley::app

#include "app/open_backends.hpp"

#include "chat/local_rate_limit.hpp"
#include "cluster/local_broker.hpp"
#include "cluster/local_presence.hpp"
#include "cluster/redis/access.hpp"
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
  auto url = redis::parse_broker_url(config.broker);
  if (!url) return url.error();
  auto access = std::make_shared<redis::Access>();
  access->user = url->user;
  access->password = url->password;
  if (url->tls) {
    auto tls = redis::make_tls_context({config.redis_ca, config.redis_cert, config.redis_key});
    if (!tls) return tls.error();
    access->tls = std::move(*tls);
  } else if (!config.redis_ca.empty() || !config.redis_cert.empty() || !config.redis_key.empty()) {
    return core::Error{core::ErrorCode::bad_request,
                       "--redis-ca, --redis-cert and --redis-key are for TLS: use rediss:// or rediss-cluster://"};
  }
  if (config.cluster_key.empty())
    return core::Error{core::ErrorCode::internal, "a Redis broker needs a cluster key (app/cluster_key.cpp)"};
  auto runtime = std::make_shared<redis::Runtime>();
  std::shared_ptr<redis::Client> client;
  std::unique_ptr<redis::Subscriber> subscriber;
  if (!url->cluster) {
    client = std::make_shared<redis::SingleClient>(runtime, url->endpoints.front(), access);
    subscriber = std::make_unique<redis::ChannelSubscriber>(*runtime, url->endpoints.front(), access);
  } else {
    auto cluster_client = std::make_shared<redis::ClusterClient>(runtime, url->endpoints, access);
    subscriber = std::make_unique<redis::ShardedSubscriber>(*cluster_client);
    client = std::move(cluster_client);
  }
  auto local_limit = std::make_unique<chat::LocalRateLimit>(config.limits.rate_limit, config.limits.rate_burst);
  return Cluster{std::make_unique<redis::RedisBroker>(client, std::move(subscriber), "parley:", config.cluster_key),
                 std::make_unique<redis::RedisPresence>(client, config.node_id),
                 std::make_unique<redis::RedisRateLimit>(client, config.limits.rate_limit, config.limits.rate_burst,
                                                         std::move(local_limit))};
}

}  // namespace parley::app

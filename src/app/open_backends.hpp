#pragma once
// Opens the Store and Broker that --store and --broker name: the only place that names concrete classes.
#include <memory>

#include "cluster/broker.hpp"
#include "cluster/presence.hpp"
#include "cluster/rate_limit.hpp"
#include "core/config.hpp"
#include "store/store.hpp"

namespace parley::app {

core::Result<std::unique_ptr<store::Store>> open_store(const std::string& url);

// What --broker names: the broker, cluster-wide presence and the cluster-wide rate limit.
struct Cluster {
  std::unique_ptr<cluster::Broker> broker;
  std::unique_ptr<cluster::Presence> presence;
  std::unique_ptr<cluster::RateLimit> rate_limit;
};
core::Result<Cluster> open_cluster(const core::Config& config);

}  // namespace parley::app

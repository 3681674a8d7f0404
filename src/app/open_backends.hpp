#pragma once
// Opens the Store and Broker that --store and --broker name: the only place that names concrete classes.
#include <memory>

#include "cluster/broker.hpp"
#include "cluster/presence.hpp"
#include "core/config.hpp"
#include "store/store.hpp"

namespace parley::app {

core::Result<std::unique_ptr<store::Store>> open_store(const std::string& url);

struct Cluster {
  std::unique_ptr<cluster::Broker> broker;
  std::unique_ptr<cluster::Presence> presence;
};
core::Result<Cluster> open_cluster(const core::Config& config);

}  // namespace parley::app

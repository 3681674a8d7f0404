#include "cluster/local_broker.hpp"

#include <mutex>

namespace parley::cluster {

void LocalBroker::subscribe(const std::string& channel) {
  std::unique_lock lock(mutex_);
  channels_.insert(channel);
}

void LocalBroker::unsubscribe(const std::string& channel) {
  std::unique_lock lock(mutex_);
  channels_.erase(channel);
}

void LocalBroker::publish(const std::string& channel, std::string payload) {
  {
    std::shared_lock lock(mutex_);
    if (!channels_.contains(channel)) return;
  }
  received_.fetch_add(1, std::memory_order_relaxed);
  handler_(channel, payload);
}

}  // namespace parley::cluster

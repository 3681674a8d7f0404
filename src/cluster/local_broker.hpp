#pragma once
// LocalBroker: the single-node Broker. publish() hands the message straight to the handler when its channel
// is subscribed, on the publisher's thread, so per-thread publish order is kept. It says in_process(): the
// Node then delivers its publishes itself (Node::dispatch) without an envelope, and only subscribes here.
// Thread safety: all methods safe from any thread (a shared mutex guards the subscription set).
#include <atomic>
#include <shared_mutex>
#include <unordered_set>

#include "cluster/broker.hpp"

namespace parley::cluster {

class LocalBroker final : public Broker {
 public:
  void set_handler(Handler handler) override { handler_ = std::move(handler); }
  void start() override {}
  void stop() override {}
  void subscribe(const std::string& channel) override;
  void unsubscribe(const std::string& channel) override;
  void publish(const std::string& channel, std::string payload) override;
  bool healthy() const override { return true; }
  bool in_process() const override { return true; }
  uint64_t received_count() const override { return received_.load(std::memory_order_relaxed); }

 private:
  Handler handler_;
  mutable std::shared_mutex mutex_;
  std::unordered_set<std::string> channels_;
  std::atomic<uint64_t> received_{0};
};

}  // namespace parley::cluster

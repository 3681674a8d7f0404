#pragma once
// LocalBroker: the single-node Broker. It says in_process(): the Node then delivers its publishes itself
// (Node::dispatch, which knows which channels have local sessions) without an envelope, so this broker keeps
// no subscriptions (they would cost a string per connected user for nothing). A publish() that still comes
// here goes straight to the handler, on the publisher's thread, so per-thread publish order is kept; the
// handler drops what no local session listens to.
// Thread safety: all methods safe from any thread.
#include <atomic>

#include "cluster/broker.hpp"

namespace parley::cluster {

class LocalBroker final : public Broker {
 public:
  void set_handler(Handler handler) override { handler_ = std::move(handler); }
  void start() override {}
  void stop() override {}
  void subscribe(const std::string&) override {}
  void unsubscribe(const std::string&) override {}
  void publish(const std::string& channel, std::string payload) override {
    received_.fetch_add(1, std::memory_order_relaxed);
    handler_(channel, payload);
  }
  bool healthy() const override { return true; }
  bool in_process() const override { return true; }
  uint64_t received_count() const override { return received_.load(std::memory_order_relaxed); }

 private:
  Handler handler_;
  std::atomic<uint64_t> received_{0};
};

}  // namespace parley::cluster

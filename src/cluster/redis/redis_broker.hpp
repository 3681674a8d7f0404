#pragma once
// RedisBroker: the Broker between Parley nodes over Redis pub/sub. Parley channel "room:x" is the Redis
// channel "<prefix>room:x" (prefix "parley:"), so a node subscribes only to what it has members for
// (targeted routing: traffic for rooms and users with no member on a node never reaches it). On one Redis
// server it uses SUBSCRIBE/PUBLISH; on a Redis Cluster, sharded SSUBSCRIBE/SPUBLISH at each channel's shard
// (subscriber.hpp).
//
// Outage: healthy() turns false. While a channel's subscription is down, publish() also hands the message
// to this node's own subscribers directly, so local members keep talking; then the message is published
// without waiting for Redis to come back, so it cannot reach this node a second time. Other nodes miss what
// was published meanwhile: room members recover it from the Store (the Hub fills seq gaps; clients resume
// with `since`). On reconnect every subscribed channel is subscribed again. On a cluster, a publish whose
// shard is failing over waits (up to 5 s, in order) for the new primary.
// Thread safety: all methods safe from any thread; the handler runs on the Runtime's thread.
#include <atomic>
#include <memory>
#include <unordered_set>

#include "cluster/broker.hpp"
#include "cluster/redis/client.hpp"
#include "cluster/redis/subscriber.hpp"

namespace parley::cluster::redis {

class RedisBroker final : public Broker {
 public:
  RedisBroker(std::shared_ptr<Client> client, std::unique_ptr<Subscriber> subscriber, std::string prefix = "parley:");
  ~RedisBroker() override;

  void set_handler(Handler handler) override { handler_ = std::move(handler); }
  void start() override;
  void stop() override;
  void subscribe(const std::string& channel) override;
  void unsubscribe(const std::string& channel) override;
  void publish(const std::string& channel, std::string payload) override;
  bool healthy() const override { return healthy_.load(std::memory_order_relaxed); }
  uint64_t received_count() const override { return received_.load(std::memory_order_relaxed); }
  std::string kind() const override;

 private:
  void update_health();

  std::shared_ptr<Client> client_;
  std::unique_ptr<Subscriber> subscriber_;
  std::string prefix_;
  Handler handler_;
  std::unordered_set<std::string> channels_;  // Parley channel names, subscribed (Runtime thread only)
  bool stopped_ = false;  // stop() ran (it runs once)
  std::atomic<bool> healthy_{false};
  std::atomic<uint64_t> received_{0};
};

}  // namespace parley::cluster::redis

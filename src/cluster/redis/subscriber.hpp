#pragma once
// Subscriber: keeps a set of Redis channels subscribed and hands their messages on. ChannelSubscriber
// uses classic pub/sub on one server (SUBSCRIBE / PUBLISH); ShardedSubscriber uses sharded pub/sub on a
// Redis Cluster (SSUBSCRIBE at the primary owning each channel's slot / SPUBLISH), so broker traffic spreads
// over the shards instead of being broadcast to every node of the cluster.
// Both subscribe everything again after a reconnect, and the sharded one moves channels when the slot map
// changes (failover, resharding).
// Thread safety: Runtime thread only.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "cluster/redis/cluster_client.hpp"
#include "cluster/redis/connection.hpp"
#include "cluster/redis/runtime.hpp"

namespace parley::cluster::redis {

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Every message of a subscribed channel (full Redis channel name).
  std::function<void(std::string_view channel, std::string_view payload)> on_message;
  // Health may have changed.
  std::function<void()> on_state;

  virtual void start() = 0;
  virtual void stop() = 0;
  virtual void add(const std::string& channel) = 0;
  virtual void remove(const std::string& channel) = 0;
  // True while `channel` is subscribed at the server its messages are published to.
  virtual bool listening(const std::string& channel) const = 0;
  virtual bool healthy() const = 0;
  // The command that publishes to these subscriptions: PUBLISH or SPUBLISH.
  virtual const char* publish_verb() const = 0;
};

class ChannelSubscriber final : public Subscriber {
 public:
  ChannelSubscriber(Runtime& runtime, Endpoint endpoint, std::shared_ptr<const Access> access = nullptr);
  void start() override;
  void stop() override;
  void add(const std::string& channel) override;
  void remove(const std::string& channel) override;
  bool listening(const std::string&) const override { return connection_.connected(); }
  bool healthy() const override { return connection_.connected(); }
  const char* publish_verb() const override { return "PUBLISH"; }

 private:
  Connection connection_;
  std::set<std::string> channels_;
};

class ShardedSubscriber final : public Subscriber {
 public:
  explicit ShardedSubscriber(ClusterClient& client);
  ~ShardedSubscriber() override;
  void start() override;
  void stop() override;
  void add(const std::string& channel) override;
  void remove(const std::string& channel) override;
  bool listening(const std::string& channel) const override;
  bool healthy() const override;
  const char* publish_verb() const override { return "SPUBLISH"; }

 private:
  struct Shard {
    std::unique_ptr<Connection> connection;
    std::set<std::string> channels;  // subscribed (or to subscribe) here
  };
  Shard& shard(const Endpoint& at);
  void place(const std::string& channel);
  void rebalance();
  void on_push(const std::string& address, redisReply* reply);

  ClusterClient& client_;
  bool stopped_ = true;
  std::set<std::string> channels_;
  std::map<std::string, std::string> placed_;  // channel -> address of its shard
  std::map<std::string, Shard> shards_;        // by address
};

}  // namespace parley::cluster::redis

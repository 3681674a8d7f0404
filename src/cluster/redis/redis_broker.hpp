#pragma once
// RedisBroker: the Broker between Parley nodes over Redis pub/sub. Parley channel "room:x" is the Redis
// channel "<prefix>room:x" (prefix "parley:"), so a node SUBSCRIBEs only to what it has members for
// (targeted routing: traffic for rooms and users with no member on a node never reaches it).
// One connection SUBSCRIBEs, one PUBLISHes; both live on the Runtime's thread.
//
// Redis outage: healthy() turns false. While the SUBSCRIBE connection is down, publish() also hands the
// message to this node's own subscribers directly, so local members keep talking; Redis cannot deliver it to
// this node as well (this node was not subscribed when Redis got it), so nothing arrives twice when Redis
// returns. Other nodes miss what was published meanwhile: room members recover it from the Store (the Hub
// fills seq gaps; clients resume with `since`). On reconnect every subscribed channel is SUBSCRIBEd again.
// Thread safety: all methods safe from any thread; the handler runs on the Runtime's thread.
#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "cluster/broker.hpp"
#include "cluster/redis/connection.hpp"
#include "cluster/redis/runtime.hpp"

namespace parley::cluster::redis {

class RedisBroker final : public Broker {
 public:
  RedisBroker(std::shared_ptr<Runtime> runtime, Endpoint endpoint, std::string prefix = "parley:");
  ~RedisBroker() override;

  void set_handler(Handler handler) override { handler_ = std::move(handler); }
  void start() override;
  void stop() override;
  void subscribe(const std::string& channel) override;
  void unsubscribe(const std::string& channel) override;
  void publish(const std::string& channel, std::string payload) override;
  bool healthy() const override { return healthy_.load(std::memory_order_relaxed); }
  uint64_t received_count() const override { return received_.load(std::memory_order_relaxed); }

 private:
  void on_push(redisReply* reply);
  void update_health();

  std::shared_ptr<Runtime> runtime_;
  std::string prefix_;
  Handler handler_;
  // Used on the Runtime's thread only.
  std::unique_ptr<Connection> sub_, pub_;
  std::unordered_set<std::string> channels_;  // Parley channel names, subscribed
  std::atomic<bool> healthy_{false};
  std::atomic<uint64_t> received_{0};
};

}  // namespace parley::cluster::redis

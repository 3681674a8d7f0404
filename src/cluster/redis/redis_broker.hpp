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
// shard is failing over waits (up to 5 s, in order) for the new primary. A sequenced publish that fails
// (Redis down, or refusing: NOAUTH, NOPERM) is kept (at most 10000) and published again once Redis accepts
// it, so other nodes' members get it even when no later message of the room shows them the gap; receivers
// drop the copy they may already have by seq.
// Refusals: a node Redis refuses (a wrong password, NOAUTH, NOPERM, a failed TLS handshake; access.hpp) is
// not healthy for 10 s after the last refusal, and problem() says why.
// Envelopes are sealed with the cluster key (envelope_mac.hpp); what does not verify is dropped and counted
// (parley_broker_envelopes_rejected_total).
// Thread safety: all methods safe from any thread; the handler runs on the Runtime's thread.
#include <atomic>
#include <deque>
#include <memory>
#include <unordered_set>

#include <boost/asio/steady_timer.hpp>

#include "cluster/broker.hpp"
#include "cluster/redis/client.hpp"
#include "cluster/redis/envelope_mac.hpp"
#include "cluster/redis/subscriber.hpp"

namespace parley::cluster::redis {

class RedisBroker final : public Broker {
 public:
  // `cluster_key`: the key envelopes are sealed and checked with (empty: none, for tests only).
  RedisBroker(std::shared_ptr<Client> client, std::unique_ptr<Subscriber> subscriber, std::string prefix = "parley:",
              std::string cluster_key = "");
  ~RedisBroker() override;

  void set_handler(Handler handler) override { handler_ = std::move(handler); }
  void start() override;
  void stop() override;
  void subscribe(const std::string& channel) override;
  void unsubscribe(const std::string& channel) override;
  void publish(const std::string& channel, std::string payload) override;
  void publish_sequenced(const std::string& channel, std::string payload) override;
  bool healthy() const override;
  std::string problem() const override;
  uint64_t received_count() const override { return received_.load(std::memory_order_relaxed); }
  std::string kind() const override;

 private:
  void update_health();
  void send(const std::string& channel, std::string payload, bool sequenced);
  void publish_wire(const std::string& name, std::string wire, bool keep_on_failure, std::chrono::milliseconds patience);
  void keep(std::string name, std::string wire);
  void republish_kept();
  void arm_retry();

  std::shared_ptr<Client> client_;
  std::unique_ptr<Subscriber> subscriber_;
  std::string prefix_;
  Handler handler_;
  std::unordered_set<std::string> channels_;  // Parley channel names, subscribed (Runtime thread only)
  EnvelopeMac mac_;                           // Runtime thread only
  std::deque<std::pair<std::string, std::string>> kept_;  // failed sequenced publishes: (channel, wire)
  boost::asio::steady_timer retry_timer_;
  bool retry_armed_ = false;
  bool closing_ = false;  // stop() ran on the Runtime's thread
  std::chrono::steady_clock::time_point last_keep_log_{};
  std::chrono::steady_clock::time_point last_reject_log_{};
  bool stopped_ = false;  // stop() ran (it runs once)
  std::atomic<bool> healthy_{false};
  std::atomic<uint64_t> received_{0};
};

}  // namespace parley::cluster::redis

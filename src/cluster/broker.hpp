#pragma once
// Broker: carries deliveries between Parley nodes (docs/protocol.md §1). Channels are named "room:<name>",
// "user:<id>" and "all". A node subscribes to a channel while it has a local member for it, so it only
// hears what it delivers.
//
// Contract for every implementation (local, redis, redis-cluster):
// - publish() never blocks the calling thread on I/O and may be called from any thread.
// - Messages published by one thread to one channel reach every subscriber in publish order.
// - The handler runs on a broker-owned thread (the local broker: the publisher's thread); it must be quick.
// - subscribe()/unsubscribe() are idempotent per channel (the caller keeps the reference counts).
// - A message published while a subscriber was not subscribed is not delivered to it (pub/sub, not a queue:
//   durability is the Store's job and clients resume with `since`).
// Thread safety: all methods may be called from any thread.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace parley::cluster {

class Broker {
 public:
  using Handler = std::function<void(std::string_view channel, std::string_view payload)>;
  virtual ~Broker() = default;

  // Sets the function that receives every message of every subscribed channel. Call once, before start.
  virtual void set_handler(Handler handler) = 0;
  virtual void start() = 0;
  virtual void stop() = 0;

  virtual void subscribe(const std::string& channel) = 0;
  virtual void unsubscribe(const std::string& channel) = 0;
  virtual void publish(const std::string& channel, std::string payload) = 0;
  // A publish that may safely arrive twice (a sequenced room or conversation message: receivers drop what
  // they have by seq). A broker that cannot publish it now may keep it and publish it again once it can,
  // so other nodes' members get it live even if no later message of the room shows them the gap.
  virtual void publish_sequenced(const std::string& channel, std::string payload) {
    publish(channel, std::move(payload));
  }

  // True while the broker can carry messages (always for the local one).
  virtual bool healthy() const = 0;
  // Why it is not healthy, one line for /readyz and logs (never a secret); empty when healthy.
  virtual std::string problem() const { return {}; }
  // Messages received from the broker since start, for /metrics.
  virtual uint64_t received_count() const = 0;
  // True when the broker carries nothing between processes (the local one): a publisher may then deliver to
  // its own subscribers directly, skipping the envelope's encoding and decoding.
  virtual bool in_process() const { return false; }
  // "local", "redis" or "redis-cluster", for /readyz.
  virtual std::string kind() const { return "local"; }
};

}  // namespace parley::cluster

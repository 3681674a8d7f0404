#include "cluster/redis/subscriber.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

namespace parley::cluster::redis {

ShardedSubscriber::ShardedSubscriber(ClusterClient& client) : client_(client) {
  client_.on_topology([this] { rebalance(); });
}

// The owner stopped it on the Runtime's thread; handlers queued before that may still name it.
ShardedSubscriber::~ShardedSubscriber() { wait_for_queued_handlers(client_.runtime().io()); }

void ShardedSubscriber::start() { stopped_ = false; }

void ShardedSubscriber::stop() {
  stopped_ = true;
  for (auto& [address, s] : shards_) s.connection->stop();
}

ShardedSubscriber::Shard& ShardedSubscriber::shard(const Endpoint& at) {
  auto address = at.address();
  auto& s = shards_[address];
  if (!s.connection) {
    s.connection = std::make_unique<Connection>(client_.runtime().io(), at, "ssubscribe " + address, client_.access());
    s.connection->on_push = [this, address](redisReply* r) { on_push(address, r); };
    // Each channel on its own SSUBSCRIBE: one command may only name channels of one slot.
    s.connection->on_up = [this, address] {
      auto& here = shards_[address];
      for (auto& c : here.channels) here.connection->subscribe_command({"SSUBSCRIBE", c});
      if (on_state) on_state();
    };
    s.connection->on_down = [this] {
      client_.refresh();  // perhaps a failover: learn where the slots went
      if (on_state) on_state();
    };
    if (!stopped_) s.connection->start();
  }
  return s;
}

// Subscribes `channel` at the primary owning its slot (if the map knows it), leaving its old shard.
void ShardedSubscriber::place(const std::string& channel) {
  auto owner = client_.primary_for(channel);
  if (!owner) return;
  auto address = owner->address();
  auto placed = placed_.find(channel);
  if (placed != placed_.end() && placed->second == address) return;
  if (placed != placed_.end()) {
    auto& old = shards_[placed->second];
    old.channels.erase(channel);
    if (old.connection) old.connection->subscribe_command({"SUNSUBSCRIBE", channel});
  }
  placed_[channel] = address;
  auto& s = shard(*owner);
  s.channels.insert(channel);
  s.connection->subscribe_command({"SSUBSCRIBE", channel});
}

void ShardedSubscriber::add(const std::string& channel) {
  if (channels_.insert(channel).second) place(channel);
}

void ShardedSubscriber::remove(const std::string& channel) {
  if (!channels_.erase(channel)) return;
  auto placed = placed_.find(channel);
  if (placed == placed_.end()) return;
  auto& s = shards_[placed->second];
  s.channels.erase(channel);
  if (s.connection) s.connection->subscribe_command({"SUNSUBSCRIBE", channel});
  placed_.erase(placed);
}

// The slot map changed: move every channel to its slot's primary now, and retire shards left without
// channels.
void ShardedSubscriber::rebalance() {
  if (stopped_) return;
  for (auto& c : channels_) place(c);
  for (auto it = shards_.begin(); it != shards_.end();) {
    if (!it->second.channels.empty()) {
      ++it;
      continue;
    }
    if (it->second.connection) retire(std::move(it->second.connection));
    it = shards_.erase(it);
  }
  if (on_state) on_state();
}

void ShardedSubscriber::on_push(const std::string& address, redisReply* r) {
  if (r->type == REDIS_REPLY_ERROR) {  // e.g. MOVED: the map is stale
    spdlog::warn("redis cluster: ssubscribe at {}: {}", address, reply_string(r));
    client_.refresh();
    return;
  }
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || r->element[1]->type != REDIS_REPLY_STRING) return;
  auto kind = reply_string(r->element[0]);
  std::string_view channel(r->element[1]->str, r->element[1]->len);
  if (kind == "smessage" && r->element[2]->type == REDIS_REPLY_STRING) {
    if (on_message) on_message(channel, std::string_view(r->element[2]->str, r->element[2]->len));
    return;
  }
  // The server unsubscribes us by itself when the channel's slot moves away: place it again once the new
  // map is known.
  if (kind == "sunsubscribe") {
    std::string name(channel);
    auto placed = placed_.find(name);
    if (channels_.contains(name) && placed != placed_.end() && placed->second == address) {
      shards_[address].channels.erase(name);
      placed_.erase(placed);
      client_.refresh();
      boost::asio::post(client_.runtime().io(), [this, name] {
        if (channels_.contains(name)) place(name);
      });
    }
  }
}

bool ShardedSubscriber::listening(const std::string& channel) const {
  auto placed = placed_.find(channel);
  if (placed == placed_.end()) return false;
  auto s = shards_.find(placed->second);
  return s != shards_.end() && s->second.connection && s->second.connection->connected();
}

bool ShardedSubscriber::healthy() const {
  if (!client_.connected()) return false;
  for (auto& [address, s] : shards_)
    if (!s.channels.empty() && !s.connection->connected()) return false;
  return true;
}

}  // namespace parley::cluster::redis

#include "cluster/redis/redis_broker.hpp"

#include <spdlog/spdlog.h>

#include <future>
#include <utility>

namespace parley::cluster::redis {

RedisBroker::RedisBroker(std::shared_ptr<Client> client, std::unique_ptr<Subscriber> subscriber, std::string prefix)
    : client_(std::move(client)), subscriber_(std::move(subscriber)), prefix_(std::move(prefix)) {}

RedisBroker::~RedisBroker() { stop(); }

std::string RedisBroker::kind() const {
  return std::string_view(subscriber_->publish_verb()) == "SPUBLISH" ? "redis-cluster" : "redis";
}

void RedisBroker::start() {
  client_->runtime().start();
  client_->runtime().post([this] {
    subscriber_->on_message = [this](std::string_view channel, std::string_view payload) {
      if (!channel.starts_with(prefix_)) return;
      channel.remove_prefix(prefix_.size());
      received_.fetch_add(1, std::memory_order_relaxed);
      if (handler_) handler_(channel, payload);
    };
    subscriber_->on_state = [this] { update_health(); };
    client_->on_state([this](bool) { update_health(); });
    subscriber_->start();
    client_->start();
  });
}

void RedisBroker::stop() {
  if (std::exchange(stopped_, true)) return;
  std::promise<void> done;
  auto f = done.get_future();
  client_->runtime().post([this, &done] {
    subscriber_->stop();
    client_->stop();
    done.set_value();
  });
  // The runtime may already be stopped (shutdown order): then nothing runs there any more.
  if (f.wait_for(std::chrono::seconds(2)) != std::future_status::ready) spdlog::warn("redis broker: stop timed out");
  healthy_ = false;
}

void RedisBroker::update_health() { healthy_ = client_->connected() && subscriber_->healthy(); }

void RedisBroker::subscribe(const std::string& channel) {
  client_->runtime().post([this, channel] {
    if (channels_.insert(channel).second) subscriber_->add(prefix_ + channel);
  });
}

void RedisBroker::unsubscribe(const std::string& channel) {
  client_->runtime().post([this, channel] {
    if (channels_.erase(channel)) subscriber_->remove(prefix_ + channel);
  });
}

void RedisBroker::publish(const std::string& channel, std::string payload) {
  client_->runtime().post([this, channel, payload = std::move(payload)]() mutable {
    std::string name = prefix_ + channel;
    bool deliver_here = channels_.contains(channel) && !subscriber_->listening(name);
    if (deliver_here && handler_) {
      received_.fetch_add(1, std::memory_order_relaxed);
      handler_(channel, payload);
    }
    auto patience = deliver_here ? std::chrono::milliseconds(0) : std::chrono::milliseconds(5000);
    client_->command(name, {subscriber_->publish_verb(), name, std::move(payload)}, nullptr, patience);
  });
}

}  // namespace parley::cluster::redis

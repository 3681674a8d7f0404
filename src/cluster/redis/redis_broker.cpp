#include "cluster/redis/redis_broker.hpp"

#include <spdlog/spdlog.h>

#include <future>
#include <utility>

#include "core/metrics.hpp"

namespace parley::cluster::redis {

namespace {
constexpr auto refusal_window = std::chrono::seconds(10);  // refused this recently: not healthy
constexpr size_t max_kept = 10000;
constexpr auto retry_period = std::chrono::seconds(1);
constexpr auto reject_log_period = std::chrono::seconds(10);
}  // namespace

RedisBroker::RedisBroker(std::shared_ptr<Client> client, std::unique_ptr<Subscriber> subscriber, std::string prefix,
                         std::string cluster_key)
    : client_(std::move(client)),
      subscriber_(std::move(subscriber)),
      prefix_(std::move(prefix)),
      mac_(std::move(cluster_key)),
      retry_timer_(client_->runtime().io()) {}

RedisBroker::~RedisBroker() {
  stop();
  wait_for_queued_handlers(client_->runtime().io());
}

std::string RedisBroker::kind() const {
  return std::string_view(subscriber_->publish_verb()) == "SPUBLISH" ? "redis-cluster" : "redis";
}

bool RedisBroker::healthy() const {
  return healthy_.load(std::memory_order_relaxed) && !client_->access()->refusals->recent(refusal_window);
}

std::string RedisBroker::problem() const {
  if (auto why = client_->access()->refusals->recent(refusal_window)) return "redis refuses this node: " + *why;
  if (!healthy_.load(std::memory_order_relaxed))
    return kind() == "redis" ? "not connected to redis" : "not connected to a primary for every slot";
  return {};
}

void RedisBroker::start() {
  client_->runtime().start();
  client_->runtime().post([this] {
    subscriber_->on_message = [this](std::string_view channel, std::string_view wire) {
      if (!channel.starts_with(prefix_)) return;
      auto payload = mac_.open(channel, wire);
      if (!payload) {
        core::metrics().broker_envelopes_rejected.fetch_add(1, std::memory_order_relaxed);
        auto now = std::chrono::steady_clock::now();
        if (now - last_reject_log_ > reject_log_period) {
          last_reject_log_ = now;
          spdlog::warn("redis broker: dropped a message on {} that is not sealed with this cluster's key (a "
                       "publisher that is not a node of this cluster, or a node with another --cluster-key)",
                       channel);
        }
        return;
      }
      channel.remove_prefix(prefix_.size());
      received_.fetch_add(1, std::memory_order_relaxed);
      if (handler_) handler_(channel, *payload);
    };
    subscriber_->on_state = [this] { update_health(); };
    client_->on_state([this](bool up) {
      update_health();
      if (up) republish_kept();
    });
    subscriber_->start();
    client_->start();
  });
}

void RedisBroker::stop() {
  if (std::exchange(stopped_, true)) return;
  std::promise<void> done;
  auto f = done.get_future();
  client_->runtime().post([this, &done] {
    closing_ = true;
    retry_timer_.cancel();
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
    send(channel, std::move(payload), false);
  });
}

void RedisBroker::publish_sequenced(const std::string& channel, std::string payload) {
  client_->runtime().post([this, channel, payload = std::move(payload)]() mutable {
    send(channel, std::move(payload), true);
  });
}

void RedisBroker::send(const std::string& channel, std::string payload, bool sequenced) {
  std::string name = prefix_ + channel;
  bool deliver_here = channels_.contains(channel) && !subscriber_->listening(name);
  if (deliver_here && handler_) {
    received_.fetch_add(1, std::memory_order_relaxed);
    handler_(channel, payload);
  }
  auto patience = deliver_here ? std::chrono::milliseconds(0) : std::chrono::milliseconds(5000);
  publish_wire(name, mac_.seal(name, payload), sequenced, patience);
}

void RedisBroker::publish_wire(const std::string& name, std::string wire, bool keep_on_failure,
                               std::chrono::milliseconds patience) {
  Connection::ReplyFn done;
  if (keep_on_failure) {
    done = [this, name, copy = wire](redisReply* r) mutable {
      if (r && r->type != REDIS_REPLY_ERROR) return;
      core::metrics().broker_publish_failures.fetch_add(1, std::memory_order_relaxed);
      keep(name, std::move(copy));
    };
  } else {
    done = [](redisReply* r) {
      if (!r || r->type == REDIS_REPLY_ERROR)
        core::metrics().broker_publish_failures.fetch_add(1, std::memory_order_relaxed);
    };
  }
  client_->command(name, {subscriber_->publish_verb(), name, std::move(wire)}, std::move(done), patience);
}

void RedisBroker::keep(std::string name, std::string wire) {
  auto now = std::chrono::steady_clock::now();
  if (now - last_keep_log_ > reject_log_period) {
    last_keep_log_ = now;
    spdlog::warn("redis broker: a publish to {} failed; room and conversation messages are kept ({} now) and "
                 "published again when Redis takes them", name, kept_.size() + 1);
  }
  if (kept_.size() >= max_kept) kept_.pop_front();  // the oldest: receivers fill it from the store on the next one
  kept_.emplace_back(std::move(name), std::move(wire));
  arm_retry();
}

void RedisBroker::arm_retry() {
  if (retry_armed_ || closing_) return;
  retry_armed_ = true;
  retry_timer_.expires_after(retry_period);
  retry_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    retry_armed_ = false;
    republish_kept();
  });
}

// Publishes what failed before, oldest first; what fails again is kept again (and retried every second).
void RedisBroker::republish_kept() {
  if (kept_.empty() || closing_) return;
  if (!client_->connected()) return arm_retry();
  auto waiting = std::move(kept_);
  kept_.clear();
  spdlog::info("redis broker: publishing {} kept messages again", waiting.size());
  for (auto& [name, wire] : waiting) publish_wire(name, std::move(wire), true, std::chrono::milliseconds(5000));
}

}  // namespace parley::cluster::redis

#include "cluster/redis/redis_broker.hpp"

#include <spdlog/spdlog.h>

#include <future>

namespace parley::cluster::redis {

RedisBroker::RedisBroker(std::shared_ptr<Runtime> runtime, Endpoint endpoint, std::string prefix)
    : runtime_(std::move(runtime)), prefix_(std::move(prefix)) {
  sub_ = std::make_unique<Connection>(runtime_->io(), endpoint, "subscribe");
  pub_ = std::make_unique<Connection>(runtime_->io(), endpoint, "publish");
}

RedisBroker::~RedisBroker() { stop(); }

void RedisBroker::start() {
  runtime_->start();
  runtime_->post([this] {
    sub_->on_push = [this](redisReply* r) { on_push(r); };
    // Resubscribe everything after each (re)connect, in batches.
    sub_->on_up = [this] {
      std::vector<std::string> args{"SUBSCRIBE"};
      for (auto& c : channels_) {
        args.push_back(prefix_ + c);
        if (args.size() >= 512) {
          sub_->subscribe_command(args);
          args.resize(1);
        }
      }
      if (args.size() > 1) sub_->subscribe_command(args);
      update_health();
    };
    sub_->on_down = [this] { update_health(); };
    pub_->on_up = [this] { update_health(); };
    pub_->on_down = [this] { update_health(); };
    sub_->start();
    pub_->start();
  });
}

void RedisBroker::stop() {
  if (!sub_) return;
  std::promise<void> done;
  auto f = done.get_future();
  runtime_->post([this, &done] {
    sub_->stop();
    pub_->stop();
    done.set_value();
  });
  // The runtime may already be stopped (shutdown order): then nothing runs there any more.
  if (f.wait_for(std::chrono::seconds(2)) != std::future_status::ready) spdlog::warn("redis broker: stop timed out");
  healthy_ = false;
}

void RedisBroker::update_health() { healthy_ = sub_->connected() && pub_->connected(); }

void RedisBroker::subscribe(const std::string& channel) {
  runtime_->post([this, channel] {
    if (channels_.insert(channel).second) sub_->subscribe_command({"SUBSCRIBE", prefix_ + channel});
  });
}

void RedisBroker::unsubscribe(const std::string& channel) {
  runtime_->post([this, channel] {
    if (channels_.erase(channel)) sub_->subscribe_command({"UNSUBSCRIBE", prefix_ + channel});
  });
}

void RedisBroker::publish(const std::string& channel, std::string payload) {
  runtime_->post([this, channel, payload = std::move(payload)] {
    if (pub_->connected()) pub_->command({"PUBLISH", prefix_ + channel, payload}, nullptr);
    // Our own subscription is down: local members still get it here, and Redis never delivers it to this
    // node (it was not subscribed when Redis got it), so nothing arrives twice.
    if (!sub_->connected() && channels_.contains(channel) && handler_) {
      received_.fetch_add(1, std::memory_order_relaxed);
      handler_(channel, payload);
    }
  });
}

void RedisBroker::on_push(redisReply* r) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) return;
  auto kind = reply_string(r->element[0]);
  if (kind != "message") return;
  redisReply* ch = r->element[1];
  redisReply* payload = r->element[2];
  if (ch->type != REDIS_REPLY_STRING || payload->type != REDIS_REPLY_STRING) return;
  std::string_view channel(ch->str, ch->len);
  if (!channel.starts_with(prefix_)) return;
  channel.remove_prefix(prefix_.size());
  received_.fetch_add(1, std::memory_order_relaxed);
  if (handler_) handler_(channel, std::string_view(payload->str, payload->len));
}

}  // namespace parley::cluster::redis

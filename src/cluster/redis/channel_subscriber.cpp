#include "cluster/redis/subscriber.hpp"

namespace parley::cluster::redis {

namespace {
constexpr size_t channels_per_command = 512;
}

ChannelSubscriber::ChannelSubscriber(Runtime& runtime, Endpoint endpoint, std::shared_ptr<const Access> access)
    : connection_(runtime.io(), std::move(endpoint), "subscribe", std::move(access)) {
  connection_.on_push = [this](redisReply* r) {
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || reply_string(r->element[0]) != "message") return;
    redisReply* channel = r->element[1];
    redisReply* payload = r->element[2];
    if (channel->type != REDIS_REPLY_STRING || payload->type != REDIS_REPLY_STRING || !on_message) return;
    on_message(std::string_view(channel->str, channel->len), std::string_view(payload->str, payload->len));
  };
  // Subscribe everything again after each (re)connect, in batches.
  connection_.on_up = [this] {
    std::vector<std::string> args{"SUBSCRIBE"};
    for (auto& c : channels_) {
      args.push_back(c);
      if (args.size() > channels_per_command) {
        connection_.subscribe_command(args);
        args.resize(1);
      }
    }
    if (args.size() > 1) connection_.subscribe_command(args);
    if (on_state) on_state();
  };
  connection_.on_down = [this] {
    if (on_state) on_state();
  };
}

void ChannelSubscriber::start() { connection_.start(); }
void ChannelSubscriber::stop() { connection_.stop(); }

void ChannelSubscriber::add(const std::string& channel) {
  if (channels_.insert(channel).second) connection_.subscribe_command({"SUBSCRIBE", channel});
}

void ChannelSubscriber::remove(const std::string& channel) {
  if (channels_.erase(channel)) connection_.subscribe_command({"UNSUBSCRIBE", channel});
}

}  // namespace parley::cluster::redis

#include "cluster/redis/redis_rate_limit.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

namespace parley::cluster::redis {

namespace {
// KEYS bucket; ARGV rate per second, burst. Answers 1 when a token was taken.
constexpr const char* bucket_lua = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(v[1])
local ts = tonumber(v[2])
if tokens == nil or ts == nil then tokens = burst; ts = now end
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
local ok = 0
if tokens >= 1 then tokens = tokens - 1; ok = 1 end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.4f', tokens), 'ts', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return ok
)lua";
}  // namespace

RedisRateLimit::RedisRateLimit(std::shared_ptr<Client> client, double rate_per_second, double burst,
                               std::unique_ptr<RateLimit> fallback, std::string prefix)
    : client_(std::move(client)),
      rate_(rate_per_second),
      burst_(std::max(1.0, burst)),
      fallback_(std::move(fallback)),
      prefix_(std::move(prefix)),
      bucket_(bucket_lua) {
  client_->runtime().start();
  client_->runtime().post([this] { client_->start(); });
}

RedisRateLimit::~RedisRateLimit() {
  std::promise<void> done;
  auto f = done.get_future();
  client_->runtime().post([this, &done] {
    client_->stop();
    done.set_value();
  });
  if (f.wait_for(std::chrono::seconds(2)) != std::future_status::ready) spdlog::warn("redis rate limit: stop timed out");
}

// Never waits for Redis (patience 0): while the bucket's server is unreachable the local bucket answers.
void RedisRateLimit::try_acquire(int64_t user_id, std::function<void(bool)> done) {
  if (rate_ <= 0) return done(true);
  client_->runtime().post([this, user_id, done = std::move(done)]() mutable {
    if (!client_->connected()) return fallback_->try_acquire(user_id, std::move(done));
    bucket_.run(*client_, {prefix_ + "{rate:" + std::to_string(user_id) + "}"},
                {fmt::format("{}", rate_), fmt::format("{}", burst_)},
                [this, user_id, done](redisReply* r) {
                  if (r && r->type == REDIS_REPLY_INTEGER) return done(r->integer == 1);
                  if (r) spdlog::warn("rate limit script: {}", reply_string(r));
                  fallback_->try_acquire(user_id, done);
                },
                std::chrono::milliseconds(0));
  });
}

}  // namespace parley::cluster::redis

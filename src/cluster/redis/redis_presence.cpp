#include "cluster/redis/redis_presence.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

#include "cluster/redis/presence_scripts.hpp"

namespace parley::cluster::redis {

namespace {
constexpr auto heartbeat_period = std::chrono::seconds(2);
constexpr int heartbeat_ttl_ms = 8000;
constexpr auto reap_period = std::chrono::seconds(3);

core::Error down() { return core::Error{core::ErrorCode::unavailable, "presence is unavailable (Redis is down)"}; }

int64_t to_int(const redisReply* r) {
  if (!r) return 0;
  if (r->type == REDIS_REPLY_INTEGER) return r->integer;
  if (r->type == REDIS_REPLY_STRING) {
    try {
      return std::stoll(std::string(r->str, r->len));
    } catch (...) {
    }
  }
  return 0;
}
}  // namespace

RedisPresence::RedisPresence(std::shared_ptr<Runtime> runtime, Endpoint endpoint, std::string node_id,
                             std::string prefix)
    : runtime_(std::move(runtime)),
      node_id_(std::move(node_id)),
      prefix_(std::move(prefix)),
      join_(presence_lua::join),
      leave_(presence_lua::leave),
      members_(presence_lua::members),
      counts_(presence_lua::counts),
      forget_(presence_lua::forget_node),
      heartbeat_timer_(runtime_->io()),
      reap_timer_(runtime_->io()) {
  conn_ = std::make_unique<Connection>(runtime_->io(), std::move(endpoint), "presence");
  runtime_->start();
  runtime_->post([this] {
    conn_->on_up = [this] { on_up(); };
    conn_->start();
    heartbeat();
    reap();
  });
}

RedisPresence::~RedisPresence() {
  std::promise<void> done;
  auto f = done.get_future();
  runtime_->post([this, &done] {
    heartbeat_timer_.cancel();
    reap_timer_.cancel();
    // A clean stop: this node's connections are gone already (sessions detached); drop the heartbeat so
    // nobody waits for it to expire.
    conn_->command({"DEL", prefix_ + "node:" + node_id_ + ":alive"}, nullptr);
    conn_->command({"SREM", prefix_ + "nodes", node_id_}, [this, &done](redisReply*) {
      conn_->stop();
      done.set_value();
    });
  });
  if (f.wait_for(std::chrono::seconds(3)) != std::future_status::ready) spdlog::warn("redis presence: stop timed out");
}

std::string RedisPresence::key(const std::string& scope, const char* kind) const {
  return prefix_ + "presence:" + scope + ":" + kind;
}

std::string RedisPresence::entry(const std::string& scope, const std::string& connection, int64_t user_id) const {
  return scope + "\n" + connection + "\n" + std::to_string(user_id);
}

// After each connect: load the scripts, replace this node's entries with what it holds now (Redis may have
// restarted empty, or missed joins and leaves while it was down), and beat at once.
void RedisPresence::on_up() {
  for (Script* s : {&join_, &leave_, &members_, &counts_, &forget_}) s->load(*conn_);
  forget(node_id_, false, !synced_once_);
  synced_once_ = true;
  for (auto& [where, m] : mine_) {
    auto& [scope, connection] = where;
    join_.run(*conn_, {key(scope, "conns"), key(scope, "users"), prefix_ + "presence:names", prefix_ + "node:" + node_id_ + ":entries"},
              {connection, std::to_string(m.user_id), m.username, entry(scope, connection, m.user_id)}, nullptr);
  }
  heartbeat_timer_.cancel();
  heartbeat();
}

void RedisPresence::heartbeat() {
  conn_->command({"SET", prefix_ + "node:" + node_id_ + ":alive", "1", "PX", std::to_string(heartbeat_ttl_ms)},
                 nullptr);
  conn_->command({"SADD", prefix_ + "nodes", node_id_}, nullptr);
  heartbeat_timer_.expires_after(heartbeat_period);
  heartbeat_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) heartbeat();
  });
}

void RedisPresence::reap() {
  conn_->command({"SMEMBERS", prefix_ + "nodes"}, [this](redisReply* r) {
    if (!r || r->type != REDIS_REPLY_ARRAY) return;
    for (size_t i = 0; i < r->elements; ++i) {
      std::string id = reply_string(r->element[i]);
      if (!id.empty() && id != node_id_) forget(id, true, true);
    }
  });
  reap_timer_.expires_after(reap_period);
  reap_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) reap();
  });
}

void RedisPresence::forget(const std::string& node_id, bool only_if_dead, bool announce) {
  std::string node = prefix_ + "node:" + node_id;
  forget_.run(*conn_, {node + ":entries", node + ":alive", prefix_ + "nodes", prefix_ + "presence:names"},
              {prefix_, node_id, only_if_dead ? "1" : "0"}, [this, node_id, announce](redisReply* r) {
                if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0) return;
                spdlog::warn("presence: node {} is gone; {} user departures", node_id, r->elements / 3);
                if (!announce || !departed_) return;
                for (size_t i = 0; i + 2 < r->elements; i += 3)
                  departed_(reply_string(r->element[i]),
                            Member{to_int(r->element[i + 1]), reply_string(r->element[i + 2])});
              });
}

void RedisPresence::join(const std::string& scope, const Member& member, const std::string& connection,
                         PresenceCallback<bool> done) {
  runtime_->post([this, scope, member, connection, done = std::move(done)] {
    mine_[{scope, connection}] = member;
    if (!conn_->connected()) return done(down());
    join_.run(*conn_,
              {key(scope, "conns"), key(scope, "users"), prefix_ + "presence:names",
               prefix_ + "node:" + node_id_ + ":entries"},
              {connection, std::to_string(member.user_id), member.username, entry(scope, connection, member.user_id)},
              [done](redisReply* r) {
                if (is_error(r)) return done(down());
                done(to_int(r) == 1);
              });
  });
}

void RedisPresence::leave(const std::string& scope, int64_t user_id, const std::string& connection,
                          PresenceCallback<bool> done) {
  runtime_->post([this, scope, user_id, connection, done = std::move(done)] {
    mine_.erase({scope, connection});
    if (!conn_->connected()) return done(down());
    leave_.run(*conn_, {key(scope, "conns"), key(scope, "users"), prefix_ + "node:" + node_id_ + ":entries"},
               {connection, std::to_string(user_id), entry(scope, connection, user_id)}, [done](redisReply* r) {
                 if (is_error(r)) return done(down());
                 done(to_int(r) == 1);
               });
  });
}

void RedisPresence::members(const std::string& scope, PresenceCallback<std::vector<Member>> done) {
  runtime_->post([this, scope, done = std::move(done)] {
    if (!conn_->connected()) return done(down());
    members_.run(*conn_, {key(scope, "users"), prefix_ + "presence:names"}, {}, [done](redisReply* r) {
      if (is_error(r) || r->type != REDIS_REPLY_ARRAY) return done(down());
      std::vector<Member> out;
      for (size_t i = 0; i + 1 < r->elements; i += 2)
        out.push_back({to_int(r->element[i]), reply_string(r->element[i + 1])});
      std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.user_id < b.user_id; });
      done(std::move(out));
    });
  });
}

void RedisPresence::counts(const std::vector<std::string>& scopes, PresenceCallback<std::vector<int64_t>> done) {
  runtime_->post([this, scopes, done = std::move(done)] {
    if (scopes.empty()) return done(std::vector<int64_t>{});
    if (!conn_->connected()) return done(down());
    std::vector<std::string> keys;
    keys.reserve(scopes.size());
    for (auto& s : scopes) keys.push_back(key(s, "users"));
    counts_.run(*conn_, keys, {}, [done, n = scopes.size()](redisReply* r) {
      if (is_error(r) || r->type != REDIS_REPLY_ARRAY || r->elements != n) return done(down());
      std::vector<int64_t> out;
      for (size_t i = 0; i < r->elements; ++i) out.push_back(to_int(r->element[i]));
      done(std::move(out));
    });
  });
}

}  // namespace parley::cluster::redis

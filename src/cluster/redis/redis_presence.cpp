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
constexpr auto user_patience = std::chrono::seconds(3);  // how long a user's request waits for a failover

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

std::string entry(const std::string& connection, int64_t user_id) { return connection + "\n" + std::to_string(user_id); }
}  // namespace

RedisPresence::RedisPresence(std::shared_ptr<Client> client, std::string node_id, std::string prefix)
    : client_(std::move(client)),
      node_id_(std::move(node_id)),
      prefix_(std::move(prefix)),
      join_(presence_lua::join),
      leave_(presence_lua::leave),
      members_(presence_lua::members),
      forget_scope_(presence_lua::forget_scope),
      heartbeat_timer_(client_->runtime().io()),
      reap_timer_(client_->runtime().io()) {
  client_->runtime().start();
  client_->runtime().post([this] {
    client_->on_state([this](bool up) {
      if (up && !stopped_) on_up();
    });
    client_->start();
    reap();
  });
}

RedisPresence::~RedisPresence() {
  std::promise<void> done;
  auto f = done.get_future();
  client_->runtime().post([this, &done] {
    stopped_ = true;
    heartbeat_timer_.cancel();
    reap_timer_.cancel();
    // A clean stop: this node's connections are gone already (sessions detached); drop the heartbeat so
    // nobody waits for it to expire.
    client_->command(node_key(node_id_, "alive"), {"DEL", node_key(node_id_, "alive")}, nullptr,
                     std::chrono::milliseconds(0));
    client_->command(prefix_ + "{nodes}", {"SREM", prefix_ + "{nodes}", node_id_},
                     [this, &done](redisReply*) {
                       client_->stop();
                       done.set_value();
                     },
                     std::chrono::milliseconds(0));
  });
  if (f.wait_for(std::chrono::seconds(3)) != std::future_status::ready) spdlog::warn("redis presence: stop timed out");
}

std::vector<std::string> RedisPresence::scope_keys(const std::string& scope, const std::string& node_id) const {
  std::string tag = prefix_ + "{presence:" + scope + "}:";
  return {tag + "conns", tag + "users", tag + "names", tag + "node:" + node_id};
}

std::string RedisPresence::node_key(const std::string& node_id, const char* what) const {
  return prefix_ + "{node:" + node_id + "}:" + what;
}

// The script, then the scope in this node's index (another slot, so a second command).
void RedisPresence::write_join(const std::string& scope, const std::string& connection, const Member& member,
                               Connection::ReplyFn done) {
  join_.run(*client_, scope_keys(scope, node_id_),
            {connection, std::to_string(member.user_id), member.username, entry(connection, member.user_id)},
            std::move(done), user_patience);
  client_->command(node_key(node_id_, "scopes"), {"SADD", node_key(node_id_, "scopes"), scope}, nullptr);
}

// After each (re)connect: replace this node's entries with what it holds now (Redis may have restarted
// empty, failed over and lost the last writes, or missed joins and leaves while it was down), and beat.
void RedisPresence::on_up() {
  forget(node_id_, !synced_once_, [this] {
    for (auto& [where, member] : mine_) write_join(where.first, where.second, member, nullptr);
  });
  synced_once_ = true;
  heartbeat_timer_.cancel();
  heartbeat();
}

void RedisPresence::heartbeat() {
  if (stopped_) return;
  client_->command(node_key(node_id_, "alive"),
                   {"SET", node_key(node_id_, "alive"), "1", "PX", std::to_string(heartbeat_ttl_ms)}, nullptr);
  client_->command(prefix_ + "{nodes}", {"SADD", prefix_ + "{nodes}", node_id_}, nullptr);
  heartbeat_timer_.expires_after(heartbeat_period);
  heartbeat_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) heartbeat();
  });
}

// Every node looks for others whose heartbeat expired and drops their connections.
void RedisPresence::reap() {
  if (stopped_) return;
  client_->command(prefix_ + "{nodes}", {"SMEMBERS", prefix_ + "{nodes}"}, [this](redisReply* r) {
    if (!r || r->type != REDIS_REPLY_ARRAY) return;
    for (size_t i = 0; i < r->elements; ++i) {
      std::string id = reply_string(r->element[i]);
      if (id.empty() || id == node_id_) continue;
      client_->command(node_key(id, "alive"), {"EXISTS", node_key(id, "alive")}, [this, id](redisReply* alive) {
        if (!alive || alive->type != REDIS_REPLY_INTEGER || alive->integer != 0) return;
        forget(id, true, [this, id] {
          client_->command(prefix_ + "{nodes}", {"SREM", prefix_ + "{nodes}", id}, nullptr);
        });
      });
    }
  });
  reap_timer_.expires_after(reap_period);
  reap_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) reap();
  });
}

void RedisPresence::forget(const std::string& node_id, bool announce, std::function<void()> then) {
  std::string index = node_key(node_id, "scopes");
  client_->command(index, {"SMEMBERS", index}, [this, node_id, announce, index, then](redisReply* r) {
    if (!r || r->type != REDIS_REPLY_ARRAY) return;  // unreachable: the next on_up tries again
    auto left = std::make_shared<size_t>(r->elements + 1);
    auto one_done = [this, left, index, then] {
      if (--*left > 0) return;
      client_->command(index, {"DEL", index}, nullptr);
      if (then) then();
    };
    for (size_t i = 0; i < r->elements; ++i) {
      std::string scope = reply_string(r->element[i]);
      forget_scope_.run(*client_, scope_keys(scope, node_id), {},
                        [this, node_id, announce, scope, one_done](redisReply* gone) {
                          if (gone && gone->type == REDIS_REPLY_ARRAY && gone->elements > 0) {
                            if (node_id != node_id_)
                              spdlog::warn("presence: node {} is gone; {} departures from \"{}\"", node_id,
                                           gone->elements / 2, scope);
                            if (announce && departed_)
                              for (size_t k = 0; k + 1 < gone->elements; k += 2)
                                departed_(scope, Member{to_int(gone->element[k]), reply_string(gone->element[k + 1])});
                          }
                          one_done();
                        });
    }
    one_done();
  });
}

void RedisPresence::join(const std::string& scope, const Member& member, const std::string& connection,
                         PresenceCallback<bool> done) {
  client_->runtime().post([this, scope, member, connection, done = std::move(done)] {
    mine_[{scope, connection}] = member;
    write_join(scope, connection, member, [done](redisReply* r) {
      if (is_error(r)) return done(down());
      done(to_int(r) == 1);
    });
  });
}

void RedisPresence::leave(const std::string& scope, int64_t user_id, const std::string& connection,
                          PresenceCallback<bool> done) {
  client_->runtime().post([this, scope, user_id, connection, done = std::move(done)] {
    mine_.erase({scope, connection});
    leave_.run(*client_, scope_keys(scope, node_id_), {connection, std::to_string(user_id), entry(connection, user_id)},
               [done](redisReply* r) {
                 if (is_error(r)) return done(down());
                 done(to_int(r) == 1);
               },
               user_patience);
  });
}

void RedisPresence::members(const std::string& scope, PresenceCallback<std::vector<Member>> done) {
  client_->runtime().post([this, scope, done = std::move(done)] {
    auto keys = scope_keys(scope, node_id_);
    members_.run(*client_, {keys[1], keys[2]}, {},
                 [done](redisReply* r) {
                   if (is_error(r) || r->type != REDIS_REPLY_ARRAY) return done(down());
                   std::vector<Member> out;
                   for (size_t i = 0; i + 1 < r->elements; i += 2)
                     out.push_back({to_int(r->element[i]), reply_string(r->element[i + 1])});
                   std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.user_id < b.user_id; });
                   done(std::move(out));
                 },
                 user_patience);
  });
}

// One HLEN per scope (scopes live in different slots), pipelined; answers when the last one has.
void RedisPresence::counts(const std::vector<std::string>& scopes, PresenceCallback<std::vector<int64_t>> done) {
  client_->runtime().post([this, scopes, done = std::move(done)] {
    if (scopes.empty()) return done(std::vector<int64_t>{});
    struct Gather {
      std::vector<int64_t> counts;
      size_t left;
      bool failed = false;
      PresenceCallback<std::vector<int64_t>> done;
    };
    auto g = std::make_shared<Gather>(Gather{std::vector<int64_t>(scopes.size()), scopes.size(), false, done});
    for (size_t i = 0; i < scopes.size(); ++i) {
      std::string users = scope_keys(scopes[i], node_id_)[1];
      client_->command(users, {"HLEN", users},
                       [g, i](redisReply* r) {
                         if (!r || r->type != REDIS_REPLY_INTEGER) g->failed = true;
                         else g->counts[i] = r->integer;
                         if (--g->left > 0) return;
                         if (g->failed) return g->done(down());
                         g->done(std::move(g->counts));
                       },
                       user_patience);
    }
  });
}

}  // namespace parley::cluster::redis

#include "cluster/redis/redis_presence.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <future>
#include <set>

#include "cluster/redis/presence_scripts.hpp"

namespace parley::cluster::redis {

namespace {
constexpr auto heartbeat_period = std::chrono::seconds(2);
constexpr int heartbeat_ttl_ms = 8000;
constexpr auto reap_period = std::chrono::seconds(3);
constexpr auto user_patience = std::chrono::seconds(3);  // how long a user's request waits for a failover
constexpr auto announce_delay = std::chrono::milliseconds(2500);  // see announce_later

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
      sync_(presence_lua::sync),
      heartbeat_timer_(client_->runtime().io()),
      reap_timer_(client_->runtime().io()),
      announce_timer_(client_->runtime().io()) {
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
    announce_timer_.cancel();
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

void RedisPresence::on_up() {
  resync(!synced_once_);
  synced_once_ = true;
  heartbeat_timer_.cancel();
  heartbeat();
}

// After each (re)connect: Redis may have restarted empty, failed over and lost the last writes, or missed
// joins and leaves while it was down. Every scope this node has (or had) entries in is made what the node
// holds now, each in one atomic script, so counts never dip meanwhile.
void RedisPresence::resync(bool first) {
  std::string index = node_key(node_id_, "scopes");
  client_->command(index, {"SMEMBERS", index}, [this, first](redisReply* r) {
    if (!r || r->type != REDIS_REPLY_ARRAY) return;  // unreachable: the next on_up tries again
    std::set<std::string> scopes;
    for (size_t i = 0; i < r->elements; ++i) scopes.insert(reply_string(r->element[i]));
    for (const auto& entry : mine_) scopes.insert(entry.first.first);
    for (const auto& pending : pending_leaves_) scopes.insert(pending.first.first);
    for (const std::string& scope : scopes) sync_scope(scope, first);
  });
}

void RedisPresence::sync_scope(const std::string& scope, bool first) {
  std::vector<std::string> args{""};
  size_t held = 0;
  for (auto it = mine_.lower_bound({scope, std::string()}); it != mine_.end() && it->first.first == scope; ++it) {
    args.insert(args.end(), {it->first.second, std::to_string(it->second.user_id), it->second.username});
    ++held;
  }
  args[0] = std::to_string(held);
  // This scope's joins and leaves nobody was told of; back in the queue if the script fails.
  auto joins = std::make_shared<std::set<int64_t>>();
  for (auto it = pending_joins_.lower_bound({scope, INT64_MIN}); it != pending_joins_.end() && it->first == scope;) {
    joins->insert(it->second);
    it = pending_joins_.erase(it);
  }
  auto leaves = std::make_shared<std::vector<Member>>();
  for (auto it = pending_leaves_.lower_bound({scope, INT64_MIN});
       it != pending_leaves_.end() && it->first.first == scope;) {
    leaves->push_back({it->first.second, it->second});
    args.push_back(std::to_string(it->first.second));
    it = pending_leaves_.erase(it);
  }
  sync_.run(*client_, scope_keys(scope, node_id_), args, [this, scope, first, joins, leaves](redisReply* r) {
    if (is_error(r) || r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
      for (int64_t id : *joins) pending_joins_.insert({scope, id});
      for (const Member& m : *leaves) pending_leaves_.emplace(std::pair{scope, m.user_id}, m.username);
      return;  // the next on_up tries again
    }
    const redisReply* departed = r->element[0];
    const redisReply* arrived = r->element[1];
    const redisReply* counts = r->element[2];
    std::map<int64_t, std::pair<std::string, bool>> changes;  // user -> (username, joined)
    // Stale entries of this node's previous process left with it; later ones are leaves Redis missed.
    for (size_t k = 0; k + 1 < departed->elements; k += 2) {
      int64_t id = to_int(departed->element[k]);
      if (first || std::any_of(leaves->begin(), leaves->end(), [id](const Member& m) { return m.user_id == id; }))
        changes[id] = {reply_string(departed->element[k + 1]), false};
    }
    // A leave Redis never saw (it came back empty): the user is gone when no node holds them any more.
    for (size_t k = 0; k < leaves->size() && k < counts->elements; ++k)
      if (to_int(counts->element[k]) == 0) changes.try_emplace((*leaves)[k].user_id, (*leaves)[k].username, false);
    for (size_t k = 0; k < arrived->elements; ++k) {
      int64_t id = to_int(arrived->element[k]);
      if (!joins->contains(id)) continue;  // announced when it joined (Redis lost it meanwhile)
      auto held = std::find_if(mine_.lower_bound({scope, std::string()}), mine_.end(), [&](const auto& e) {
        return e.first.first != scope || e.second.user_id == id;
      });
      std::string name = held != mine_.end() && held->first.first == scope ? held->second.username : "";
      auto [it, fresh] = changes.try_emplace(id, name, true);
      if (!fresh) changes.erase(it);  // left and came back: nothing to tell
    }
    for (const auto& [id, change] : changes) unannounced_.push_back({scope, Member{id, change.first}, change.second});
    announce_later();
    auto held = mine_.lower_bound({scope, std::string()});
    if (held == mine_.end() || held->first.first != scope)
      client_->command(node_key(node_id_, "scopes"), {"SREM", node_key(node_id_, "scopes"), scope}, nullptr);
  }, user_patience);
}

// Every node reconnects within 2 s of Redis's return (the reconnect backoff's ceiling) and subscribes again
// then: announcing later than that reaches the rooms' members on every node.
void RedisPresence::announce_later() {
  if (unannounced_.empty() || announcing_) return;
  announcing_ = true;
  announce_timer_.expires_after(announce_delay);
  announce_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    announcing_ = false;
    auto changes = std::move(unannounced_);
    unannounced_.clear();
    if (changed_)
      for (const Change& c : changes) changed_(c.scope, c.member, c.joined);
  });
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
                            if (announce && changed_)
                              for (size_t k = 0; k + 1 < gone->elements; k += 2)
                                changed_(scope, Member{to_int(gone->element[k]), reply_string(gone->element[k + 1])},
                                         false);
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
    mine_count_.store(mine_.size(), std::memory_order_relaxed);
    write_join(scope, connection, member, [this, scope, id = member.user_id, done](redisReply* r) {
      if (is_error(r)) {
        pending_joins_.insert({scope, id});  // recorded and announced by the next resync, if it was the first
        return done(down());
      }
      done(to_int(r) == 1);
    });
  });
}

void RedisPresence::leave(const std::string& scope, int64_t user_id, const std::string& connection,
                          PresenceCallback<bool> done) {
  client_->runtime().post([this, scope, user_id, connection, done = std::move(done)] {
    auto held = mine_.find({scope, connection});
    std::string name = held != mine_.end() ? held->second.username : "";
    if (held != mine_.end()) mine_.erase(held);
    mine_count_.store(mine_.size(), std::memory_order_relaxed);
    leave_.run(*client_, scope_keys(scope, node_id_), {connection, std::to_string(user_id), entry(connection, user_id)},
               [this, scope, user_id, name, done](redisReply* r) {
                 if (is_error(r)) {
                   pending_leaves_.emplace(std::pair{scope, user_id}, name);  // see sync_scope
                   return done(down());
                 }
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

#include "cluster/redis/cluster_client.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "core/metrics.hpp"

namespace parley::cluster::redis {

namespace {
constexpr auto retry_period = std::chrono::milliseconds(100);
constexpr auto refresh_period = std::chrono::seconds(5);
constexpr auto refresh_period_when_down = std::chrono::milliseconds(300);
constexpr int max_redirects = 5;

bool error_starts_with(const redisReply* r, std::string_view prefix) {
  return r->type == REDIS_REPLY_ERROR && std::string_view(r->str, r->len).starts_with(prefix);
}

// "MOVED 3999 127.0.0.1:6381" -> 127.0.0.1:6381
std::optional<Endpoint> redirect_target(const redisReply* r) {
  std::string_view text(r->str, r->len);
  auto space = text.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  return parse_host_port(text.substr(space + 1));
}
}  // namespace

std::optional<std::vector<Endpoint>> parse_redis_cluster_url(const std::string& url) {
  auto parsed = parse_broker_url(url);
  if (!parsed || !parsed->cluster) return std::nullopt;
  return parsed->endpoints;
}

ClusterClient::ClusterClient(std::shared_ptr<Runtime> runtime, std::vector<Endpoint> seeds,
                             std::shared_ptr<const Access> access)
    : Client(std::move(runtime), std::move(access)),
      seeds_(std::move(seeds)),
      slot_owner_(slot_count, -1),
      refresh_timer_(this->runtime().io()),
      retry_timer_(this->runtime().io()) {}

ClusterClient::~ClusterClient() {
  wait_for_queued_handlers(runtime().io());
  close();
}

void ClusterClient::open() {
  if (!stopped_) return;
  stopped_ = false;
  for (auto& seed : seeds_) connection(seed);
  schedule_refresh(std::chrono::milliseconds(0));
}

void ClusterClient::close() {
  if (stopped_) return;
  stopped_ = true;
  refresh_timer_.cancel();
  retry_timer_.cancel();
  auto parked = std::move(parked_);
  parked_.clear();
  for (auto& [slot, queue] : parked)
    for (auto& r : queue)
      if (r->done) r->done(nullptr);
  for (auto& [address, c] : connections_) c->stop();
  up_ = false;
}

Connection& ClusterClient::connection(const Endpoint& at) {
  auto& slot = connections_[at.address()];
  if (!slot) {
    slot = std::make_unique<Connection>(runtime().io(), at, "cluster " + at.address(), access());
    slot->on_up = [this] { update_state(); };
    slot->on_down = [this] {
      update_state();
      refresh();
    };
    if (!stopped_) slot->start();
  }
  return *slot;
}

std::optional<Endpoint> ClusterClient::primary_for(std::string_view key) const {
  int owner = slot_owner_[hash_slot(key)];
  if (owner < 0) return std::nullopt;
  return primaries_[owner];
}

void ClusterClient::command(const std::string& key, std::vector<std::string> args, Connection::ReplyFn done,
                            std::chrono::milliseconds patience) {
  auto r = std::make_shared<Request>();
  r->slot = hash_slot(key);
  r->args = std::move(args);
  r->done = std::move(done);
  r->deadline = std::chrono::steady_clock::now() + patience;
  // Behind what already waits for this slot, so one publisher's messages keep their order.
  if (auto it = parked_.find(r->slot); it != parked_.end() && !it->second.empty()) return it->second.push_back(r);
  send(std::move(r));
}

void ClusterClient::send(RequestPtr r) {
  int owner = slot_owner_[r->slot];
  if (owner < 0) return park(std::move(r));
  send_to(primaries_[owner], std::move(r), false);
}

void ClusterClient::send_to(const Endpoint& at, RequestPtr r, bool asking) {
  Connection& c = connection(at);
  if (!c.connected()) {
    refresh();
    return park(std::move(r));
  }
  if (asking) c.command({"ASKING"}, nullptr);
  const auto& args = r->args;
  c.command(args, [this, r](redisReply* reply) { answer(r, reply); });
}

void ClusterClient::answer(RequestPtr r, redisReply* reply) {
  if (stopped_) {
    if (r->done) r->done(nullptr);
    return;
  }
  if (!reply) {  // the server went away or hung
    refresh();
    return park(std::move(r));
  }
  bool moved = error_starts_with(reply, "MOVED "), ask = error_starts_with(reply, "ASK ");
  if (moved || ask) {
    auto target = redirect_target(reply);
    if (!target || ++r->redirects > max_redirects) {
      if (r->done) r->done(reply);
      return;
    }
    if (moved) {
      core::metrics().redis_cluster_moved.fetch_add(1, std::memory_order_relaxed);
      refresh();  // the map is stale; meanwhile this slot goes where the server said
      auto known = std::find(primaries_.begin(), primaries_.end(), *target);
      if (known == primaries_.end()) known = primaries_.insert(primaries_.end(), *target);
      slot_owner_[r->slot] = static_cast<int>(known - primaries_.begin());
    } else {
      core::metrics().redis_cluster_ask.fetch_add(1, std::memory_order_relaxed);
    }
    return send_to(*target, std::move(r), ask);
  }
  if (error_starts_with(reply, "TRYAGAIN") || error_starts_with(reply, "CLUSTERDOWN") ||
      error_starts_with(reply, "LOADING") || error_starts_with(reply, "MASTERDOWN")) {
    refresh();
    return park(std::move(r));
  }
  if (r->done) r->done(reply);
}

void ClusterClient::park(RequestPtr r) {
  if (std::chrono::steady_clock::now() >= r->deadline || stopped_) {
    if (r->done) r->done(nullptr);
    return;
  }
  parked_[r->slot].push_back(std::move(r));
  if (retry_armed_) return;
  retry_armed_ = true;
  retry_timer_.expires_after(retry_period);
  retry_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled by close()
    retry_armed_ = false;
    retry_parked();
  });
}

// Sends every waiting command again, slot by slot in order; what still cannot go waits again.
void ClusterClient::retry_parked() {
  auto waiting = std::move(parked_);
  parked_.clear();
  for (auto& [slot, queue] : waiting)
    for (auto& r : queue) {
      if (auto it = parked_.find(slot); it != parked_.end() && !it->second.empty()) park(r);
      else send(r);
    }
}

void ClusterClient::refresh() {
  if (stopped_ || querying_) return;
  querying_ = true;
  boost::asio::post(runtime().io(), [this] {
    std::vector<Endpoint> candidates;
    for (auto& [address, c] : connections_)
      if (c->connected()) candidates.push_back(c->endpoint());
    query_slots(std::move(candidates));
  });
}

// Asks the candidates in turn for CLUSTER SLOTS until one answers with a usable map.
void ClusterClient::query_slots(std::vector<Endpoint> candidates) {
  if (stopped_) return;
  if (candidates.empty()) {
    querying_ = false;
    for (auto& seed : seeds_) connection(seed);  // nobody reachable: keep the seeds connecting
    return schedule_refresh(refresh_period_when_down);
  }
  Endpoint at = candidates.back();
  candidates.pop_back();
  connection(at).command({"CLUSTER", "SLOTS"}, [this, at, candidates = std::move(candidates)](redisReply* reply) {
    if (stopped_) return;
    if (!reply || !apply_slots(reply, at)) return query_slots(candidates);
    querying_ = false;
    schedule_refresh(up_ ? std::chrono::milliseconds(refresh_period) : refresh_period_when_down);
    retry_parked();
  });
}

// CLUSTER SLOTS answers [[start, end, [host, port, id], replicas...], ...]. False when unusable.
bool ClusterClient::apply_slots(const redisReply* reply, const Endpoint& from) {
  if (reply->type != REDIS_REPLY_ARRAY) return false;
  std::vector<Endpoint> primaries;
  std::vector<int> owner(slot_count, -1);
  for (size_t i = 0; i < reply->elements; ++i) {
    const redisReply* range = reply->element[i];
    if (range->type != REDIS_REPLY_ARRAY || range->elements < 3) return false;
    const redisReply* node = range->element[2];
    if (range->element[0]->type != REDIS_REPLY_INTEGER || range->element[1]->type != REDIS_REPLY_INTEGER ||
        node->type != REDIS_REPLY_ARRAY || node->elements < 2 || node->element[1]->type != REDIS_REPLY_INTEGER)
      return false;
    Endpoint primary{reply_string(node->element[0]), static_cast<int>(node->element[1]->integer)};
    if (primary.host.empty() || primary.host == "?") primary.host = from.host;  // "unknown endpoint"
    auto known = std::find(primaries.begin(), primaries.end(), primary);
    if (known == primaries.end()) known = primaries.insert(primaries.end(), primary);
    int index = static_cast<int>(known - primaries.begin());
    long long first = range->element[0]->integer, last = range->element[1]->integer;
    if (first < 0 || last >= slot_count || first > last) return false;
    for (long long s = first; s <= last; ++s) owner[static_cast<size_t>(s)] = index;
  }
  bool changed = !have_map_ || primaries != primaries_ || owner != slot_owner_;
  if (!changed) return true;
  if (have_map_) {
    core::metrics().redis_cluster_topology_changes.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("redis cluster: the slot map changed ({} primaries)", primaries.size());
  } else {
    spdlog::info("redis cluster: {} primaries", primaries.size());
  }
  have_map_ = true;
  primaries_ = std::move(primaries);
  slot_owner_ = std::move(owner);
  core::metrics().redis_cluster_shards.store(static_cast<int64_t>(primaries_.size()), std::memory_order_relaxed);
  // Keep connections to the primaries and the seeds; retire the rest (a reply from one of them may be what
  // brought us here).
  for (auto& p : primaries_) connection(p);
  for (auto it = connections_.begin(); it != connections_.end();) {
    const Endpoint& at = it->second->endpoint();
    bool keep = std::find(primaries_.begin(), primaries_.end(), at) != primaries_.end() ||
                std::find(seeds_.begin(), seeds_.end(), at) != seeds_.end();
    if (keep) {
      ++it;
      continue;
    }
    retire(std::move(it->second));
    it = connections_.erase(it);
  }
  update_state();
  for (auto& listener : topology_listeners_) listener();
  return true;
}

void ClusterClient::update_state() {
  if (stopped_) return;
  bool up = have_map_;
  for (int s = 0; up && s < slot_count; ++s) up = slot_owner_[s] >= 0;
  for (auto& p : primaries_) {
    if (!up) break;
    auto it = connections_.find(p.address());
    up = it != connections_.end() && it->second->connected();
  }
  if (up == up_) return;
  up_ = up;
  spdlog::log(up ? spdlog::level::info : spdlog::level::warn, "redis cluster: {}",
              up ? "every slot has a reachable primary" : "some slots have no reachable primary");
  notify(up);
}

void ClusterClient::schedule_refresh(std::chrono::milliseconds after) {
  if (stopped_) return;
  refresh_timer_.cancel();
  refresh_timer_.expires_after(after);
  refresh_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) refresh();
  });
}

}  // namespace parley::cluster::redis

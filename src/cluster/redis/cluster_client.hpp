#pragma once
// ClusterClient: a Client for Redis Cluster. It learns the slot map (CLUSTER SLOTS) from any node it can
// reach, sends each command to the primary owning its key's hash slot, follows MOVED (updating the map) and
// ASK (one ASKING hop), and refreshes the map every few seconds and whenever something fails.
//
// Failover: while a shard has no reachable primary its commands wait (in order, per slot) and are sent again
// as the map changes, until their patience runs out (then they fail with nullptr). connected() is false
// meanwhile, so /readyz says so; /metrics counts map changes and redirects.
// Thread safety: Runtime thread only, like every Client.
#include <deque>
#include <map>
#include <optional>

#include "cluster/redis/client.hpp"
#include "cluster/redis/hash_slot.hpp"

namespace parley::cluster::redis {

// Parses redis-cluster://[USER:PASSWORD@]HOST:PORT,HOST:PORT,... (or rediss-cluster://); the seeds, empty when
// malformed or without a seed. parse_broker_url (access.hpp) has the rest.
std::optional<std::vector<Endpoint>> parse_redis_cluster_url(const std::string& url);

class ClusterClient final : public Client {
 public:
  ClusterClient(std::shared_ptr<Runtime> runtime, std::vector<Endpoint> seeds, std::shared_ptr<const Access> access = nullptr);
  ~ClusterClient() override;

  bool connected() const override { return up_; }
  void command(const std::string& key, std::vector<std::string> args, Connection::ReplyFn done,
               std::chrono::milliseconds patience = std::chrono::seconds(5)) override;

  // The primary serving `key`'s slot, when the map knows one.
  std::optional<Endpoint> primary_for(std::string_view key) const;
  // Runs after every change of the slot map (and when the first one arrives).
  void on_topology(std::function<void()> listener) { topology_listeners_.push_back(std::move(listener)); }
  // Asks for a fresh slot map soon (a subscriber lost its server, a redirect, a failed command).
  void refresh();

 private:
  void open() override;
  void close() override;

  struct Request {
    uint16_t slot = 0;
    std::vector<std::string> args;
    Connection::ReplyFn done;
    std::chrono::steady_clock::time_point deadline;
    int redirects = 0;
  };
  using RequestPtr = std::shared_ptr<Request>;

  Connection& connection(const Endpoint& at);
  void send(RequestPtr r);
  void send_to(const Endpoint& at, RequestPtr r, bool asking);
  void answer(RequestPtr r, redisReply* reply);
  void park(RequestPtr r);
  void retry_parked();
  void query_slots(std::vector<Endpoint> candidates);
  bool apply_slots(const redisReply* reply, const Endpoint& from);
  void update_state();
  void schedule_refresh(std::chrono::milliseconds after);

  std::vector<Endpoint> seeds_;
  std::map<std::string, std::unique_ptr<Connection>> connections_;  // by address: seeds and primaries
  std::vector<Endpoint> primaries_;
  std::vector<int> slot_owner_;  // slot -> index in primaries_, -1 while unknown
  bool have_map_ = false;
  bool up_ = false;
  bool stopped_ = true;
  bool querying_ = false;
  std::map<uint16_t, std::deque<RequestPtr>> parked_;  // per slot, in order
  bool retry_armed_ = false;
  boost::asio::steady_timer refresh_timer_;
  boost::asio::steady_timer retry_timer_;
  std::vector<std::function<void()>> topology_listeners_;
};

}  // namespace parley::cluster::redis

#pragma once
// RedisPresence: cluster-wide Presence in Redis (keys and scripts: presence_scripts.hpp). Every change is
// one Lua script, so counts stay exact while nodes race.
//
// Dead nodes: each node refreshes "P node:<id>:alive" (TTL 8 s) every 2 s; every 3 s each node looks for
// nodes whose heartbeat expired and drops their connections (an atomic script, so only one node reports
// them), calling the departure handler for users who thereby left a scope. After a kill -9 a node's
// connections leave presence within about 11 s. At start a node drops what an earlier process with its id
// left behind.
//
// Redis outage: every call fails at once (join/leave/members/counts answer `unavailable`), never hangs.
// The node keeps its own connections in memory and, when Redis returns (possibly empty), rewrites its
// entries from them; joins and leaves that happened meanwhile are not announced.
// Thread safety: all methods safe from any thread; callbacks run on the Runtime's thread.
#include <map>
#include <memory>
#include <mutex>

#include "cluster/presence.hpp"
#include "cluster/redis/connection.hpp"
#include "cluster/redis/runtime.hpp"
#include "cluster/redis/script.hpp"

namespace parley::cluster::redis {

class RedisPresence final : public Presence {
 public:
  RedisPresence(std::shared_ptr<Runtime> runtime, Endpoint endpoint, std::string node_id,
                std::string prefix = "parley:");
  ~RedisPresence() override;

  void join(const std::string& scope, const Member& member, const std::string& connection,
            PresenceCallback<bool> done) override;
  void leave(const std::string& scope, int64_t user_id, const std::string& connection,
             PresenceCallback<bool> done) override;
  void members(const std::string& scope, PresenceCallback<std::vector<Member>> done) override;
  void counts(const std::vector<std::string>& scopes, PresenceCallback<std::vector<int64_t>> done) override;
  void set_departure_handler(DepartureHandler handler) override { departed_ = std::move(handler); }

 private:
  std::string key(const std::string& scope, const char* kind) const;
  std::string entry(const std::string& scope, const std::string& connection, int64_t user_id) const;
  void on_up();
  void heartbeat();
  void reap();
  void forget(const std::string& node_id, bool only_if_dead, bool announce);

  std::shared_ptr<Runtime> runtime_;
  std::string node_id_;
  std::string prefix_;
  DepartureHandler departed_;
  // Used on the Runtime's thread only.
  std::unique_ptr<Connection> conn_;
  Script join_{""}, leave_{""}, members_{""}, counts_{""}, forget_{""};
  std::map<std::pair<std::string, std::string>, Member> mine_;  // (scope, connection) -> member, this node's
  bool synced_once_ = false;
  boost::asio::steady_timer heartbeat_timer_;
  boost::asio::steady_timer reap_timer_;
};

}  // namespace parley::cluster::redis

#pragma once
// RedisPresence: cluster-wide Presence in Redis or a Redis Cluster (keys and scripts: presence_scripts.hpp).
// Every change to a scope is one Lua script on keys of one hash slot, so counts stay exact while nodes race.
//
// Dead nodes: each node refreshes "P{node:<id>}:alive" (TTL 8 s) every 2 s; every 3 s each node looks for
// nodes whose heartbeat expired and drops their connections scope by scope (atomic per scope, so only one
// node reports each departure), calling the membership handler for users who thereby left a scope. After a
// kill -9 a node's connections leave presence within about 11 s. At start a node drops what an earlier
// process with its id left behind.
//
// Outage: on one Redis server every call fails at once (join/leave/members/counts answer `unavailable`);
// on a cluster a call waits up to 3 s for a shard that is failing over. The node keeps its own connections
// in memory and, when Redis is reachable again (possibly empty, or a replica that missed the last writes),
// makes its entries what it holds, one atomic script per scope (no count dips meanwhile); users who thereby
// arrive in or leave a scope because of a join or leave that failed meanwhile go to the membership handler,
// 2.5 s later (when every node has subscribed again).
// Thread safety: all methods safe from any thread; callbacks run on the Runtime's thread.
#include <map>
#include <memory>
#include <atomic>
#include <set>

#include "cluster/presence.hpp"
#include "cluster/redis/client.hpp"
#include "cluster/redis/script.hpp"

namespace parley::cluster::redis {

class RedisPresence final : public Presence {
 public:
  RedisPresence(std::shared_ptr<Client> client, std::string node_id, std::string prefix = "parley:");
  ~RedisPresence() override;

  void join(const std::string& scope, const Member& member, const std::string& connection,
            PresenceCallback<bool> done) override;
  void leave(const std::string& scope, int64_t user_id, const std::string& connection,
             PresenceCallback<bool> done) override;
  void members(const std::string& scope, PresenceCallback<std::vector<Member>> done) override;
  void counts(const std::vector<std::string>& scopes, PresenceCallback<std::vector<int64_t>> done) override;
  void set_membership_handler(MembershipHandler handler) override { changed_ = std::move(handler); }
  size_t entries() const override { return mine_count_.load(std::memory_order_relaxed); }

 private:
  // The four keys of a scope's scripts: conns, users, names, and `node_id`'s entries there.
  std::vector<std::string> scope_keys(const std::string& scope, const std::string& node_id) const;
  std::string node_key(const std::string& node_id, const char* what) const;
  void write_join(const std::string& scope, const std::string& connection, const Member& member,
                  Connection::ReplyFn done);
  void on_up();
  // Rewrites this node's entries in every scope it has or had some in; `first`: its previous process's too.
  void resync(bool first);
  void sync_scope(const std::string& scope, bool first);
  // Hands the resyncs' changes to the membership handler a little later (see the .cpp).
  void announce_later();
  void heartbeat();
  void reap();
  // Drops every connection `node_id` has in presence, then runs `then` (may be empty).
  void forget(const std::string& node_id, bool announce, std::function<void()> then);

  std::shared_ptr<Client> client_;
  std::string node_id_;
  std::string prefix_;
  MembershipHandler changed_;
  // Used on the Runtime's thread only.
  Script join_, leave_, members_, forget_scope_, sync_;
  std::map<std::pair<std::string, std::string>, Member> mine_;  // (scope, connection) -> member, this node's
  std::atomic<size_t> mine_count_{0};                            // mine_.size(), for entries() from any thread
  std::set<std::pair<std::string, int64_t>> pending_joins_;               // (scope, user): join failed
  std::map<std::pair<std::string, int64_t>, std::string> pending_leaves_;  // (scope, user) -> name: leave failed
  bool synced_once_ = false;
  bool stopped_ = false;
  boost::asio::steady_timer heartbeat_timer_;
  boost::asio::steady_timer reap_timer_;
  struct Change {
    std::string scope;
    Member member;
    bool joined;
  };
  std::vector<Change> unannounced_;
  bool announcing_ = false;
  boost::asio::steady_timer announce_timer_;
};

}  // namespace parley::cluster::redis

#pragma once
// Api: the HTTP surface of docs/protocol.md §2 (REST, health, metrics, docs, the web client's files).
// Password hashing (argon2id, tens of ms) runs on `workers`, never on a network loop; store calls are
// asynchronous; responses reach the connection through its Responder.
// Thread safety: handle() may be called from any loop concurrently; the Api holds no mutable state
// besides what its dependencies guard.
#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <functional>
#include <vector>
#include <string>

#include "api/attempt_limiter.hpp"

#include "api/static_files.hpp"
#include "chat/node.hpp"
#include "cluster/broker.hpp"
#include "net/http_types.hpp"
#include "store/store.hpp"

namespace parley::api {

struct ApiDeps {
  chat::Node* node = nullptr;
  store::Store* store = nullptr;
  cluster::Broker* broker = nullptr;
  boost::asio::thread_pool* workers = nullptr;
  net::Authenticator authenticate;
  std::string jwt_secret;
  int64_t token_ttl_seconds = 24 * 3600;
  std::string api_key;
  std::string node_id;
  const StaticFiles* web = nullptr;
  // Abuse limits (docs/security.md): failed logins per username and per client address, registrations per
  // client address, each per minute (0: off); password hashes queued or running at once.
  int64_t login_failures_per_minute = 5;
  int64_t registrations_per_minute = 10;
  size_t max_pending_hashes = 64;
  // --admin-listen is set: the operator's endpoints are served by handle_admin on that address, and the
  // public handle() answers /metrics 404 and /readyz with readiness alone.
  bool admin_elsewhere = false;
};

class Api {
 public:
  // Hashes a dummy password once (the cost an unknown username's login pays, so it answers as slowly as a
  // known one's: usernames cannot be told apart by timing).
  explicit Api(ApiDeps deps);
  void handle(net::HttpRequest&& request, const std::string& client, net::Responder respond);
  // The operator's address (--admin-listen): /healthz, /readyz with each dependency's state, /metrics.
  void handle_admin(net::HttpRequest&& request, const std::string& client, net::Responder respond);
  // Adds a gauge to /metrics, read from `value` (any thread) at each scrape. Call before serving.
  void add_gauge(std::string name, std::string help, std::function<int64_t()> value) {
    gauges_.push_back({std::move(name), std::move(help), std::move(value)});
  }

 private:
  void register_user(const net::HttpRequest& request, const std::string& client, net::Responder respond);
  void login(const net::HttpRequest& request, const std::string& client, net::Responder respond);
  // Takes a slot of the hashing queue; false when it is full (the caller answers 429).
  bool reserve_hash();
  void issue_token(const store::User& user, const net::Responder& respond);
  void release_hash() { pending_hashes_.fetch_sub(1, std::memory_order_relaxed); }
  void rooms(const net::HttpRequest& request, net::Responder respond);
  void room_messages(const net::HttpRequest& request, std::string_view room, net::Responder respond);
  void publish(const net::HttpRequest& request, net::Responder respond);
  // /readyz: 200 while store and broker answer, else 503; `detail` adds each dependency's state and latency.
  void ready(net::Responder respond, bool detail);
  net::HttpResponse metrics_response() const;
  // The identity of a Bearer request, or the 401 to answer.
  core::Result<chat::Identity> bearer(const net::HttpRequest& request);

  ApiDeps deps_;
  AttemptLimiter login_failures_;  // keys "user:<name>" and "addr:<client>"
  AttemptLimiter registrations_;   // keys "addr:<client>"
  std::atomic<size_t> pending_hashes_{0};
  std::string dummy_hash_;
  struct Gauge {
    std::string name;
    std::string help;
    std::function<int64_t()> value;
  };
  std::vector<Gauge> gauges_;
};

}  // namespace parley::api

#pragma once
// Api: the HTTP surface of docs/protocol.md §2 (REST, health, metrics, docs, the web client's files).
// Password hashing (argon2id, tens of ms) runs on `workers`, never on a network loop; store calls are
// asynchronous; responses reach the connection through its Responder.
// Thread safety: handle() may be called from any loop concurrently; the Api holds no mutable state
// besides what its dependencies guard.
#include <boost/asio/thread_pool.hpp>
#include <string>

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
};

class Api {
 public:
  explicit Api(ApiDeps deps) : deps_(std::move(deps)) {}
  void handle(net::HttpRequest&& request, net::Responder respond);

 private:
  void register_user(const net::HttpRequest& request, net::Responder respond);
  void login(const net::HttpRequest& request, net::Responder respond);
  void rooms(const net::HttpRequest& request, net::Responder respond);
  void room_messages(const net::HttpRequest& request, std::string_view room, net::Responder respond);
  void publish(const net::HttpRequest& request, net::Responder respond);
  void ready(net::Responder respond);
  // The identity of a Bearer request, or the 401 to answer.
  core::Result<chat::Identity> bearer(const net::HttpRequest& request);

  ApiDeps deps_;
};

}  // namespace parley::api

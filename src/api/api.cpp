#include "api/api.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <openssl/crypto.h>

#include "api/openapi.hpp"
#include "api/protocol_doc.hpp"
#include "auth/jwt.hpp"
#include "core/json.hpp"
#include "auth/password.hpp"
#include "chat/unavailable.hpp"
#include "chat/validation.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "net/request_token.hpp"

namespace parley::api {

namespace json = boost::json;
namespace http = boost::beast::http;
using core::ErrorCode;
using net::error_response;
using net::json_response;

namespace {

net::HttpResponse text_response(std::string content_type, std::string body) {
  net::HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// The JSON object body of a request, or a bad_request.
core::Result<json::object> json_body(const net::HttpRequest& request) {
  auto v = core::parse_json(request.body());
  if (!v || !v->is_object()) return core::Error{ErrorCode::bad_request, "the body must be a JSON object"};
  return std::move(v->as_object());
}

std::optional<std::string> string_member(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

std::optional<int64_t> int_param(std::string_view target, std::string_view name, bool& bad) {
  auto raw = net::query_param(target, name);
  if (!raw) return std::nullopt;
  try {
    size_t used = 0;
    long long v = std::stoll(*raw, &used);
    if (used != raw->size() || v < 0) throw std::invalid_argument(name.data());
    return v;
  } catch (...) {
    bad = true;
    return std::nullopt;
  }
}

// 429 rate_limited with Retry-After.
net::HttpResponse too_many(std::string message, int64_t retry_after_seconds) {
  auto res = error_response({ErrorCode::rate_limited, std::move(message)});
  res.set(http::field::retry_after, std::to_string(retry_after_seconds));
  return res;
}

}  // namespace

Api::Api(ApiDeps deps)
    : deps_(std::move(deps)),
      login_failures_(deps_.login_failures_per_minute),
      registrations_(deps_.registrations_per_minute),
      dummy_hash_(auth::hash_password("not a password: hashed so unknown usernames cost what known ones do")) {}

bool Api::reserve_hash() {
  if (pending_hashes_.fetch_add(1, std::memory_order_relaxed) < deps_.max_pending_hashes) return true;
  release_hash();
  return false;
}

void Api::handle(net::HttpRequest&& request, const std::string& client, net::Responder plain) {
  // Every answer: no MIME sniffing, no Referer leaving the page, never framed.
  net::Responder respond = [plain = std::move(plain)](net::HttpResponse res) {
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set(http::field::x_frame_options, "DENY");
    plain(std::move(res));
  };
  std::string path(net::target_path(request.target()));
  auto method = request.method();
  if (method == http::verb::get || method == http::verb::head) {
    if (path == "/healthz") return respond(json_response(200, R"({"status":"ok"})"));
    if (path == "/readyz") return ready(std::move(respond), !deps_.admin_elsewhere);
    if (path == "/metrics" && !deps_.admin_elsewhere) return respond(metrics_response());
    if (path == "/docs") return respond(text_response("text/html; charset=utf-8", std::string(openapi_html())));
    if (path == "/docs/openapi.json") return respond(text_response("application/json", std::string(openapi_json())));
    if (path == "/docs/protocol.md")
      return respond(text_response("text/markdown; charset=utf-8", std::string(protocol_markdown())));
    if (path == "/api/rooms") return rooms(request, std::move(respond));
    constexpr std::string_view rooms_prefix = "/api/rooms/", messages_suffix = "/messages";
    if (path.starts_with(rooms_prefix) && path.ends_with(messages_suffix) &&
        path.size() > rooms_prefix.size() + messages_suffix.size()) {
      std::string room = path.substr(rooms_prefix.size(), path.size() - rooms_prefix.size() - messages_suffix.size());
      return room_messages(request, room, std::move(respond));
    }
    if (auto file = deps_.web->serve(path)) {
      // What the built client loads and nothing else: its own scripts and styles, its data: icon, requests
      // and WebSockets to this origin. An injected script has nowhere to load from or send to.
      file->set("Content-Security-Policy",
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
      return respond(std::move(*file));
    }
    if (path == "/")
      return respond(text_response("text/html; charset=utf-8",
                                   "<!doctype html><title>Parley</title><p>The web client is not built. Run "
                                   "<code>scripts/setup</code> (it builds <code>web/dist</code>), then restart."));
  }
  if (method == http::verb::post) {
    if (path == "/api/auth/register") return register_user(request, client, std::move(respond));
    if (path == "/api/auth/login") return login(request, client, std::move(respond));
    if (path == "/api/publish") return publish(request, std::move(respond));
  }
  respond(error_response({ErrorCode::not_found, "no such resource: " + path}));
}

core::Result<chat::Identity> Api::bearer(const net::HttpRequest& request) {
  auto token = net::bearer_token(request);
  if (!token) return core::Error{ErrorCode::unauthorized, "a Bearer token is required"};
  return deps_.authenticate(*token);
}

void Api::register_user(const net::HttpRequest& request, const std::string& client, net::Responder respond) {
  auto body = json_body(request);
  if (!body) return respond(error_response(body.error()));
  auto username = string_member(*body, "username");
  auto password = string_member(*body, "password");
  if (!username || !chat::is_valid_username(*username))
    return respond(error_response({ErrorCode::bad_request, "username must be 3-32 of [a-z0-9_.-]"}));
  if (!password) return respond(error_response({ErrorCode::bad_request, "password is required"}));
  if (auto problem = chat::password_problem(*password)) return respond(error_response(*problem));
  const std::string address_key = "addr:" + client;
  if (auto wait = registrations_.blocked(address_key))
    return respond(too_many("too many registrations from this address", *wait));
  if (!reserve_hash()) return respond(too_many("the server is busy signing users in", 1));
  registrations_.add(address_key);
  boost::asio::post(*deps_.workers, [this, username = *username, password = *password, respond]() mutable {
    std::string hash = auth::hash_password(password);
    release_hash();
    deps_.store->create_user(username, std::move(hash), [respond](core::Result<store::User> user) {
      if (!user && user.error().code == ErrorCode::conflict) return respond(error_response(user.error()));
      if (!user) return respond(error_response(chat::unavailable("the user was not created", user.error())));
      respond(json_response(201, json::serialize(json::object{{"id", user->id}, {"username", user->username}})));
    });
  });
}

// Failed logins are counted per username and per client address; past the limit either way the login is
// refused with 429 before any hashing. An unknown username is verified against a dummy hash, so it answers
// as slowly as a wrong password for a real one.
void Api::login(const net::HttpRequest& request, const std::string& client, net::Responder respond) {
  auto body = json_body(request);
  if (!body) return respond(error_response(body.error()));
  auto username = string_member(*body, "username");
  auto password = string_member(*body, "password");
  if (!username || !password) return respond(error_response({ErrorCode::bad_request, "username and password are required"}));
  if (password->size() > 1024) return respond(error_response({ErrorCode::bad_request, "password is too long"}));
  const std::string user_key = "user:" + *username, address_key = "addr:" + client;
  for (const std::string* key : {&user_key, &address_key}) {
    if (auto wait = login_failures_.blocked(*key)) return respond(too_many("too many failed sign-ins", *wait));
  }
  if (!reserve_hash()) return respond(too_many("the server is busy signing users in", 1));
  // On a worker: verify, count a failure, answer.
  auto finish = [this, password = *password, user_key, address_key, respond](
                    const std::string& hash, std::optional<store::User> user) {
    const bool ok = auth::verify_password(hash, password) && user.has_value();
    release_hash();
    if (!ok) {
      login_failures_.add(user_key);
      login_failures_.add(address_key);
      return respond(error_response({ErrorCode::unauthorized, "wrong username or password"}));
    }
    login_failures_.clear(user_key);
    issue_token(*user, respond);
  };
  deps_.store->find_user(*username, [this, finish, respond](core::Result<store::UserCredentials> found) {
    if (!found && found.error().code != ErrorCode::not_found) {
      release_hash();
      return respond(error_response(chat::unavailable("the user was not looked up", found.error())));
    }
    boost::asio::post(*deps_.workers, [this, finish, found = std::move(found)] {
      if (!found) return finish(dummy_hash_, std::nullopt);
      finish(found->password_hash, found->user);
    });
  });
}

void Api::issue_token(const store::User& user, const net::Responder& respond) {
  int64_t now = core::now_ms() / 1000;
  auth::Claims claims{.sub = user.id, .name = user.username, .exp = now + deps_.token_ttl_seconds, .iat = now};
  std::string token = auth::sign_jwt(claims, deps_.jwt_secret);
  respond(json_response(200, json::serialize(json::object{{"token", token},
                                                          {"expiresAt", claims.exp * 1000},
                                                          {"user", json::object{{"id", user.id},
                                                                                {"username", user.username}}}})));
}

void Api::rooms(const net::HttpRequest& request, net::Responder respond) {
  auto who = bearer(request);
  if (!who) return respond(error_response(who.error()));
  // A page: ?after=NAME (the last name of the previous page) and ?limit=N (1-100, default 100).
  bool bad = false;
  auto limit = int_param(request.target(), "limit", bad);
  if (bad) return respond(error_response({ErrorCode::bad_request, "limit must be a non-negative integer"}));
  std::string after(net::query_param(request.target(), "after").value_or(""));
  int n = static_cast<int>(std::clamp<int64_t>(limit.value_or(100), 1, 100));
  deps_.node->room_summaries(std::move(after), n, [respond](core::Result<std::vector<chat::RoomSummary>> rooms) {
    if (!rooms) return respond(error_response(chat::unavailable("rooms were not read", rooms.error())));
    json::array list;
    for (auto& r : *rooms) list.push_back(json::object{{"name", r.name}, {"members", r.members}});
    respond(json_response(200, json::serialize(list)));
  });
}

void Api::room_messages(const net::HttpRequest& request, std::string_view room, net::Responder respond) {
  auto who = bearer(request);
  if (!who) return respond(error_response(who.error()));
  if (!chat::is_valid_room_name(room))
    return respond(error_response({ErrorCode::bad_request, "room names are 1-64 of [A-Za-z0-9_.-]"}));
  bool bad = false;
  auto before = int_param(request.target(), "before", bad);
  auto limit = int_param(request.target(), "limit", bad);
  if (bad) return respond(error_response({ErrorCode::bad_request, "before and limit must be non-negative integers"}));
  int n = static_cast<int>(std::clamp<int64_t>(limit.value_or(50), 1, 100));
  deps_.node->history(std::string(room), before, n, [respond](core::Result<std::string> body) {
    if (!body) return respond(error_response(chat::unavailable("history was not read", body.error())));
    respond(json_response(200, std::move(*body)));
  });
}

void Api::publish(const net::HttpRequest& request, net::Responder respond) {
  auto key = request["X-Api-Key"];
  // Compared in constant time: the time a wrong key takes says nothing of how much of it was right.
  if (deps_.api_key.empty() || key.size() != deps_.api_key.size() ||
      CRYPTO_memcmp(key.data(), deps_.api_key.data(), key.size()) != 0)
    return respond(error_response({ErrorCode::unauthorized, "a valid X-Api-Key is required"}));
  auto body = json_body(request);
  if (!body) return respond(error_response(body.error()));
  auto event = string_member(*body, "event");
  auto* to = body->if_contains("to");
  if (!event || !to) return respond(error_response({ErrorCode::bad_request, "to and event are required"}));
  json::value data = body->contains("data") ? body->at("data") : json::value();
  auto done = deps_.node->publish(*to, *event, data);
  if (!done) return respond(error_response(done.error()));
  respond(json_response(202, R"({"accepted":true})"));
}

void Api::handle_admin(net::HttpRequest&& request, const std::string&, net::Responder respond) {
  std::string path(net::target_path(request.target()));
  if (request.method() == http::verb::get || request.method() == http::verb::head) {
    if (path == "/healthz") return respond(json_response(200, R"({"status":"ok"})"));
    if (path == "/readyz") return ready(std::move(respond), true);
    if (path == "/metrics") return respond(metrics_response());
  }
  respond(error_response({ErrorCode::not_found, "the admin address serves /healthz, /readyz and /metrics"}));
}

net::HttpResponse Api::metrics_response() const {
  std::string body = core::metrics().render();
  auto gauge = [&body](std::string_view name, std::string_view help, int64_t value) {
    body += "# HELP ";
    body += name;
    body += ' ';
    body += help;
    body += "\n# TYPE ";
    body += name;
    body += " gauge\n";
    body += name;
    body += ' ';
    body += std::to_string(value);
    body += '\n';
  };
  // What the node holds per user and per membership: each returns to its baseline once the users have gone.
  const chat::Node::StateCounts state = deps_.node->state_counts();
  gauge("parley_node_sessions", "Sessions attached to this node.", state.sessions);
  gauge("parley_node_channels", "Channels (rooms, users, all) with sessions on this node.",
        static_cast<int64_t>(state.channels));
  gauge("parley_node_hub_channels", "Channel entries in the event loops' local fan-out indexes.", state.hub_channels);
  gauge("parley_presence_entries", "Presence entries held in this process.", static_cast<int64_t>(state.presence));
  gauge("parley_event_budget_buckets", "Users with a bucket in the per-user event budget.",
        static_cast<int64_t>(state.budget_buckets));
  gauge("parley_rate_limit_buckets", "Users with a bucket in this node's message rate limit.",
        static_cast<int64_t>(state.rate_buckets));
  gauge("parley_user_cache_entries", "Users in the event loops' user caches.", static_cast<int64_t>(state.cached_users));
  for (const auto& g : gauges_) gauge(g.name, g.help, g.value());
  return text_response("text/plain; version=0.0.4; charset=utf-8", std::move(body));
}

void Api::ready(net::Responder respond, bool detail) {
  double started = core::monotonic_seconds();
  json::object broker{{"ok", deps_.broker->healthy()}, {"kind", deps_.broker->kind()}};
  if (auto why = deps_.broker->problem(); !why.empty()) broker["error"] = why;  // e.g. Redis refuses our password
  if (deps_.broker->kind() == "redis-cluster") {
    broker["shards"] = core::metrics().redis_cluster_shards.load();
    broker["topologyChanges"] = core::metrics().redis_cluster_topology_changes.load();
  }
  deps_.store->ping([respond, started, broker, detail, node_id = deps_.node_id](core::Result<core::Unit> pong) {
    bool broker_ok = broker.at("ok").as_bool();
    double ms = (core::monotonic_seconds() - started) * 1000;
    bool ready = pong.ok() && broker_ok;
    if (!detail) return respond(json_response(ready ? 200 : 503, json::serialize(json::object{{"ready", ready}})));
    json::object body{
        {"ready", ready},
        {"node", node_id},
        {"store", json::object{{"ok", pong.ok()}, {"latencyMs", ms}}},
        {"broker", broker}};
    respond(json_response(ready ? 200 : 503, json::serialize(body)));
  });
}

}  // namespace parley::api

#pragma once
// Client: where a Redis command goes. A single server (SingleClient) or a Redis Cluster (ClusterClient,
// which routes each command to the primary owning its key's hash slot). Broker, presence and rate limit of
// a process share one Client, on the Runtime's thread.
// Thread safety: Runtime thread only (construct anywhere; start/stop/command on the Runtime's thread).
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/redis/connection.hpp"
#include "cluster/redis/runtime.hpp"

namespace parley::cluster::redis {

class Client {
 public:
  virtual ~Client() = default;

  Runtime& runtime() { return *runtime_; }
  // How its connections reach Redis (credentials, TLS) and where they note refusals; immutable, any thread.
  const std::shared_ptr<const Access>& access() const { return access_; }

  // Each user (broker, presence, rate limit) calls start() once and stop() once: the first start connects,
  // the last stop disconnects for good, so a component stopping early cannot cut off the others.
  void start() {
    if (users_++ == 0) open();
  }
  void stop() {
    if (users_ > 0 && --users_ == 0) close();
  }
  // True while every command can reach its server.
  virtual bool connected() const = 0;
  // Runs `listener(up)` on every change of connected(), and after each reconnect (up again).
  void on_state(std::function<void(bool up)> listener) { listeners_.push_back(std::move(listener)); }

  // Sends `args`; `key` chooses the server in a cluster (the key's hash slot), "" any. `done` (may be
  // empty) gets the reply, or nullptr when no server answered within `patience` (a cluster retries through
  // redirections and failovers that long; 0 fails at once when the server is down).
  virtual void command(const std::string& key, std::vector<std::string> args, Connection::ReplyFn done,
                       std::chrono::milliseconds patience = std::chrono::seconds(5)) = 0;

 protected:
  Client(std::shared_ptr<Runtime> runtime, std::shared_ptr<const Access> access)
      : runtime_(std::move(runtime)), access_(access ? std::move(access) : std::make_shared<const Access>()) {}
  virtual void open() = 0;
  virtual void close() = 0;
  void notify(bool up) {
    for (auto& l : listeners_) l(up);
  }

 private:
  std::shared_ptr<Runtime> runtime_;
  std::shared_ptr<const Access> access_;
  std::vector<std::function<void(bool)>> listeners_;
  int users_ = 0;
};

// One Redis server over one connection.
class SingleClient final : public Client {
 public:
  SingleClient(std::shared_ptr<Runtime> runtime, Endpoint endpoint, std::shared_ptr<const Access> access = nullptr);
  ~SingleClient() override;
  bool connected() const override { return connection_.connected(); }
  void command(const std::string& key, std::vector<std::string> args, Connection::ReplyFn done,
               std::chrono::milliseconds patience = std::chrono::seconds(5)) override;

 private:
  void open() override;
  void close() override;
  Connection connection_;
};

}  // namespace parley::cluster::redis

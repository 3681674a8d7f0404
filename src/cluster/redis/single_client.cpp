#include "cluster/redis/client.hpp"

namespace parley::cluster::redis {

SingleClient::SingleClient(std::shared_ptr<Runtime> runtime, Endpoint endpoint, std::shared_ptr<const Access> access)
    : Client(std::move(runtime), std::move(access)),
      connection_(this->runtime().io(), std::move(endpoint), "commands", this->access()) {
  connection_.on_up = [this] { notify(true); };
  connection_.on_down = [this] { notify(false); };
}

SingleClient::~SingleClient() = default;

void SingleClient::open() { connection_.start(); }
void SingleClient::close() { connection_.stop(); }

// A single server has nowhere else to go: a command fails at once while it is down.
void SingleClient::command(const std::string&, std::vector<std::string> args, Connection::ReplyFn done,
                           std::chrono::milliseconds) {
  connection_.command(args, std::move(done));
}

}  // namespace parley::cluster::redis

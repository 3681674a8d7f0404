#include "cluster/redis/script.hpp"

#include <spdlog/spdlog.h>

namespace parley::cluster::redis {

bool is_error(const redisReply* r) { return r == nullptr || r->type == REDIS_REPLY_ERROR; }

void Script::load(Connection& connection) {
  connection.command({"SCRIPT", "LOAD", source_}, [this](redisReply* r) {
    if (r && r->type == REDIS_REPLY_STRING) sha_ = reply_string(r);
    else if (r) spdlog::error("redis: SCRIPT LOAD failed: {}", reply_string(r));
  });
}

std::vector<std::string> Script::command(const std::string& verb, const std::string& body,
                                         const std::vector<std::string>& keys,
                                         const std::vector<std::string>& args) const {
  std::vector<std::string> out{verb, body, std::to_string(keys.size())};
  out.insert(out.end(), keys.begin(), keys.end());
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

void Script::run(Connection& connection, const std::vector<std::string>& keys, const std::vector<std::string>& args,
                 Connection::ReplyFn done) {
  if (sha_.empty()) return connection.command(command("EVAL", source_, keys, args), std::move(done));
  connection.command(command("EVALSHA", sha_, keys, args),
                     [this, &connection, keys, args, done = std::move(done)](redisReply* r) {
                       if (r && r->type == REDIS_REPLY_ERROR && reply_string(r).starts_with("NOSCRIPT")) {
                         sha_.clear();
                         return connection.command(command("EVAL", source_, keys, args), done);
                       }
                       if (done) done(r);
                     });
}

}  // namespace parley::cluster::redis

#pragma once
// Script: a Lua script run with EVALSHA (its SHA1 computed here), falling back to EVAL when the server
// answers NOSCRIPT (a restarted Redis, or a cluster node that has not seen it yet, forgets scripts).
// On a Redis Cluster every key of one run must hash to one slot (hash tags); the first key routes it.
// Thread safety: Runtime thread only.
#include <string>
#include <vector>

#include "cluster/redis/client.hpp"

namespace parley::cluster::redis {

class Script {
 public:
  explicit Script(std::string source);
  // Runs the script with these keys and arguments; `done` (may be empty) gets the reply (nullptr on failure).
  void run(Client& client, const std::vector<std::string>& keys, const std::vector<std::string>& args,
           Connection::ReplyFn done, std::chrono::milliseconds patience = std::chrono::seconds(5)) const;

 private:
  std::vector<std::string> command(const std::string& verb, const std::string& body,
                                   const std::vector<std::string>& keys, const std::vector<std::string>& args) const;
  std::string source_;
  std::string sha_;
};

// True when the reply is an error (or missing).
bool is_error(const redisReply* reply);

}  // namespace parley::cluster::redis

#pragma once
// Script: a Lua script run with EVALSHA (its SHA1 learned by SCRIPT LOAD after each connect), falling back
// to EVAL while the SHA is unknown or the server answers NOSCRIPT (a restarted Redis forgets scripts).
// Thread safety: on the Connection's thread only.
#include <string>
#include <vector>

#include "cluster/redis/connection.hpp"

namespace parley::cluster::redis {

class Script {
 public:
  explicit Script(std::string source) : source_(std::move(source)) {}
  // Loads the script (call from the connection's on_up).
  void load(Connection& connection);
  // Runs the script with these keys and arguments; `done` gets the reply (nullptr on failure).
  void run(Connection& connection, const std::vector<std::string>& keys, const std::vector<std::string>& args,
           Connection::ReplyFn done);

 private:
  std::vector<std::string> command(const std::string& verb, const std::string& body,
                                   const std::vector<std::string>& keys, const std::vector<std::string>& args) const;
  std::string source_;
  std::string sha_;
};

// True when the reply is an error (or missing).
bool is_error(const redisReply* reply);

}  // namespace parley::cluster::redis

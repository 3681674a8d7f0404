#include "cluster/redis/script.hpp"

#include <openssl/sha.h>

#include <fmt/format.h>

namespace parley::cluster::redis {

bool is_error(const redisReply* r) { return r == nullptr || r->type == REDIS_REPLY_ERROR; }

Script::Script(std::string source) : source_(std::move(source)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source_.data()), source_.size(), digest);
  for (unsigned char b : digest) sha_ += fmt::format("{:02x}", b);
}

std::vector<std::string> Script::command(const std::string& verb, const std::string& body,
                                         const std::vector<std::string>& keys,
                                         const std::vector<std::string>& args) const {
  std::vector<std::string> out{verb, body, std::to_string(keys.size())};
  out.insert(out.end(), keys.begin(), keys.end());
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

void Script::run(Client& client, const std::vector<std::string>& keys, const std::vector<std::string>& args,
                 Connection::ReplyFn done, std::chrono::milliseconds patience) const {
  std::string route = keys.empty() ? std::string() : keys.front();
  client.command(route, command("EVALSHA", sha_, keys, args),
                 [this, &client, route, keys, args, done = std::move(done), patience](redisReply* r) {
                   if (r && r->type == REDIS_REPLY_ERROR && reply_string(r).starts_with("NOSCRIPT"))
                     return client.command(route, command("EVAL", source_, keys, args), done, patience);
                   if (done) done(r);
                 },
                 patience);
}

}  // namespace parley::cluster::redis

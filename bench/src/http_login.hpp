#pragma once
// Creating and logging in the bench users over HTTP (POST /api/auth/register, then /api/auth/login), the way a
// real client gets its token. Thread safety: the function runs its own threads; call it from one thread.
#include <cstdint>
#include <string>
#include <vector>

#include "client.hpp"

namespace bench {

struct Account {
  int64_t id = 0;
  std::string username;
  std::string token;
};

// Registers (a 409 "taken" is fine) and logs in users "<prefix><i>" for i in [0, count) with `password`, using
// `threads` parallel blocking HTTP clients. Throws std::runtime_error with the server's answer on failure.
std::vector<Account> login_users(const Target& server, const std::string& prefix, size_t count,
                                 const std::string& password, size_t threads);

// One blocking HTTP request; returns {status, body}. Used by login_users and the quick mode.
std::pair<int, std::string> http_request(const Target& server, const std::string& method, const std::string& path,
                                         const std::string& body);

}  // namespace bench

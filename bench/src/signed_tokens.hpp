#pragma once
// Accounts without logging in: tokens signed here with the server's JWT secret (HS256), for users PREFIX<i>
// with ids id_base + i. Neither Parley nor the Socket.IO peer looks a token's user up in its store to accept
// a connection, so an idle run of 10,000 distinct users costs no registration (argon2 / scrypt: minutes).
// Thread safety: pure function.
#include <cstdint>
#include <string>
#include <vector>

#include "http_login.hpp"

namespace bench {

std::vector<Account> signed_accounts(const std::string& prefix, size_t count, const std::string& secret,
                                     int64_t id_base = 1000000000);

}  // namespace bench

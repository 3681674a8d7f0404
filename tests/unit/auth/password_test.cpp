#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "auth/password.hpp"

using parley::auth::hash_password;
using parley::auth::verify_password;

TEST(Password, VerifiesRightAndRefusesWrong) {
  const std::string hash = hash_password("1234");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_TRUE(verify_password(hash, "1234"));
  EXPECT_FALSE(verify_password(hash, "12345"));
  EXPECT_FALSE(verify_password(hash, ""));
  EXPECT_FALSE(verify_password(hash, "1234 "));
}

TEST(Password, SaltsEachHash) {
  const std::string a = hash_password("same");
  const std::string b = hash_password("same");
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password(a, "same"));
  EXPECT_TRUE(verify_password(b, "same"));
}

TEST(Password, HandlesEmptyAndBinaryPasswords) {
  const std::string empty = hash_password("");
  EXPECT_TRUE(verify_password(empty, ""));
  EXPECT_FALSE(verify_password(empty, "x"));
  const std::string binary("p\0ss\xF0\x9F\x98\x80", 8);
  const std::string hash = hash_password(binary);
  EXPECT_TRUE(verify_password(hash, binary));
  EXPECT_FALSE(verify_password(hash, "p"));  // the NUL is part of the password, not its end
}

TEST(Password, MalformedHashIsFalse) {
  EXPECT_FALSE(verify_password("", "1234"));
  EXPECT_FALSE(verify_password("not a hash", "1234"));
  EXPECT_FALSE(verify_password("$argon2id$v=19$m=65536,t=2,p=1$garbage", "1234"));
  EXPECT_FALSE(verify_password(std::string(1000, '$'), "1234"));
  std::string hash = hash_password("1234");
  EXPECT_FALSE(verify_password(hash.substr(0, hash.size() - 4), "1234"));
  hash.insert(5, 1, '\0');
  EXPECT_FALSE(verify_password(hash, "1234"));
}

TEST(Password, SafeFromManyThreads) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([i, &ok] {
      const std::string pw = "pw" + std::to_string(i);
      ok[i] = verify_password(hash_password(pw), pw) && !verify_password(hash_password(pw), "other");
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ok[i]) << i;
}

// CorsPolicy: which --cors-origin values start a node, and which request origins get a grant.
#include "net/cors.hpp"

#include <gtest/gtest.h>

namespace parley::net {
namespace {

namespace http = boost::beast::http;

CorsPolicy policy(std::vector<std::string> origins) {
  auto parsed = CorsPolicy::parse(origins);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return parsed.ok() ? *parsed : CorsPolicy{};
}

HttpRequest request(http::verb method, std::string_view origin) {
  HttpRequest r{method, "/api/rooms", 11};
  if (!origin.empty()) r.set(http::field::origin, origin);
  return r;
}

TEST(CorsPolicy, AcceptsOriginsAndTheWildcard) {
  for (const char* ok : {"http://localhost:3000", "https://chat.example.com", "http://127.0.0.1:8080",
                         "http://[::1]:3000", "https://EXAMPLE.org", "*"}) {
    EXPECT_TRUE(CorsPolicy::parse({ok}).ok()) << ok;
  }
}

TEST(CorsPolicy, SpacesAroundListEntriesAreIgnored) {
  CorsPolicy cors = policy({" http://one.example:8000", "https://two.example "});
  EXPECT_TRUE(cors.allows("http://one.example:8000"));
  EXPECT_TRUE(cors.allows("https://two.example"));
}

TEST(CorsPolicy, RefusesWhatIsNotAnOriginNamingTheFlag) {
  for (const char* bad : {"", "example.com", "http://", "http://a/", "http://a/path", "ftp://a", "http://a:",
                          "http://a:99999", "http://a b", "http://user@a", "null", "http://[::1", "**"}) {
    auto parsed = CorsPolicy::parse({bad});
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.error().message.find("--cors-origin"), std::string::npos);
  }
}

TEST(CorsPolicy, GrantsListedOriginsOnlyAndComparesWithoutCase) {
  CorsPolicy cors = policy({"http://localhost:3000"});
  EXPECT_TRUE(cors.allows("http://localhost:3000"));
  EXPECT_TRUE(cors.allows("http://LOCALHOST:3000"));
  EXPECT_FALSE(cors.allows("http://localhost:3001"));
  EXPECT_FALSE(cors.allows("https://localhost:3000"));
  EXPECT_FALSE(cors.allows("null"));
  EXPECT_EQ(cors.header_lines("http://localhost:3000"),
            "Vary: Origin\r\nAccess-Control-Allow-Origin: http://localhost:3000\r\n");
  EXPECT_EQ(cors.header_lines("http://evil.example"), "Vary: Origin\r\n");
}

TEST(CorsPolicy, WildcardGrantsWellFormedOriginsOnly) {
  CorsPolicy cors = policy({"*"});
  EXPECT_TRUE(cors.allows("https://anything.example"));
  // Echoed into a header: nothing that could break out of it is ever granted.
  EXPECT_FALSE(cors.allows("http://a\r\nSet-Cookie: x=1"));
  EXPECT_FALSE(cors.allows("null"));
}

TEST(CorsPolicy, DisabledByDefault) {
  CorsPolicy cors;
  EXPECT_FALSE(cors.enabled());
  EXPECT_FALSE(cors.allows("http://localhost:3000"));
  EXPECT_EQ(cors.header_lines("http://localhost:3000"), "");
  EXPECT_TRUE(cors.allows_upgrade(request(http::verb::get, "http://evil.example")));
}

TEST(CorsPolicy, UpgradesFromUnlistedOriginsAreRefusedAndThoseWithoutOriginAllowed) {
  CorsPolicy cors = policy({"http://localhost:3000"});
  EXPECT_TRUE(cors.allows_upgrade(request(http::verb::get, "http://localhost:3000")));
  EXPECT_TRUE(cors.allows_upgrade(request(http::verb::get, "")));
  EXPECT_FALSE(cors.allows_upgrade(request(http::verb::get, "http://evil.example")));
}

TEST(CorsPolicy, PreflightGrantsMethodsAndHeadersToListedOrigins) {
  CorsPolicy cors = policy({"http://localhost:3000"});
  HttpRequest pre = request(http::verb::options, "http://localhost:3000");
  pre.set(http::field::access_control_request_method, "POST");
  ASSERT_TRUE(is_preflight(pre));
  HttpResponse res = cors.preflight(pre);
  EXPECT_EQ(res.result(), http::status::no_content);
  EXPECT_EQ(res[http::field::access_control_allow_origin], "http://localhost:3000");
  EXPECT_NE(res[http::field::access_control_allow_headers].find("Authorization"), std::string::npos);
  EXPECT_FALSE(res[http::field::access_control_max_age].empty());

  HttpRequest other = request(http::verb::options, "http://evil.example");
  other.set(http::field::access_control_request_method, "POST");
  HttpResponse refused = cors.preflight(other);
  EXPECT_EQ(refused.count(http::field::access_control_allow_origin), 0u);
  EXPECT_EQ(refused.count(http::field::access_control_allow_methods), 0u);
}

}  // namespace
}  // namespace parley::net

// Redis as production runs it: --broker URLs with credentials and TLS, AUTH on every connection (password only
// and ACL user), refusals that make the broker unhealthy and say why (without the password), sequenced
// publishes kept while Redis refuses them and published once it accepts, TLS with certificate and address
// verification, and envelopes sealed with the cluster key (forgeries dropped and counted). Each test starts its
// own redis-server on a free port (skipped when redis-server is not installed).
#include <gtest/gtest.h>

#include "wait_for.hpp"

#include <chrono>
#include <cstdlib>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cluster/redis/access.hpp"
#include "cluster/redis/cluster_client.hpp"
#include "cluster/redis/envelope_mac.hpp"
#include "cluster/redis/redis_broker.hpp"
#include "cluster/redis/redis_presence.hpp"
#include "core/metrics.hpp"

using namespace parley::cluster;
using namespace std::chrono_literals;
using parley::test::wait_for;

namespace {

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

// A redis-server with extra arguments; `ping_args` are what redis-cli needs to reach it (-a, --tls ...).
class Server {
 public:
  explicit Server(const std::string& extra, const std::string& ping_args = "", bool tls = false) {
    if (sh("command -v redis-server >/dev/null 2>&1") != 0) return;
    std::random_device rd;
    port = 21000 + static_cast<int>(rd() % 20000);
    dir = "/tmp/parley-redis-access-" + std::to_string(port);
    sh("mkdir -p " + dir);
    std::string listen = tls ? "--port 0 --tls-port " + std::to_string(port) : "--port " + std::to_string(port);
    sh("redis-server " + listen + " --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --dir " + dir +
       " --pidfile " + dir + "/redis.pid --logfile " + dir + "/redis.log " + extra);
    cli_args = "-p " + std::to_string(port) + " " + ping_args;
    for (int i = 0; i < 100 && !up; ++i) {
      up = sh("redis-cli " + cli_args + " --no-auth-warning ping 2>/dev/null | grep -q PONG") == 0;
      if (!up) std::this_thread::sleep_for(50ms);
    }
  }
  ~Server() {
    sh("kill $(cat " + dir + "/redis.pid 2>/dev/null) 2>/dev/null; sleep 0.1; rm -rf " + dir);
  }
  int cli(const std::string& args) const {
    return sh("redis-cli " + cli_args + " --no-auth-warning " + args + " >/dev/null 2>&1");
  }
  redis::Endpoint endpoint() const { return {"127.0.0.1", port}; }
  int port = 0;
  bool up = false;
  std::string dir, cli_args;
};

struct Received {
  std::mutex m;
  std::vector<std::string> items;
  void add(std::string_view p) {
    std::lock_guard l(m);
    items.emplace_back(p);
  }
  size_t size() {
    std::lock_guard l(m);
    return items.size();
  }
  bool has(const std::string& p) {
    std::lock_guard l(m);
    return std::find(items.begin(), items.end(), p) != items.end();
  }
};

std::shared_ptr<redis::Access> access(std::string user, std::string password) {
  auto a = std::make_shared<redis::Access>();
  a->user = std::move(user);
  a->password = std::move(password);
  return a;
}

std::unique_ptr<redis::RedisBroker> broker(const std::shared_ptr<redis::Runtime>& rt, redis::Endpoint at,
                                           std::shared_ptr<const redis::Access> a, std::string key = "") {
  return std::make_unique<redis::RedisBroker>(std::make_shared<redis::SingleClient>(rt, at, a),
                                              std::make_unique<redis::ChannelSubscriber>(*rt, at, a), "ta:",
                                              std::move(key));
}

const std::string key = "0123456789abcdef0123456789abcdef-test-cluster-key";

}  // namespace

TEST(BrokerUrl, CredentialsArePercentDecodedAndNeverQuotedInErrors) {
  auto u = redis::parse_broker_url("redis://app:p%40ss%3Aw%2Fd@10.0.0.5:6380/0");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->cluster);
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->user, "app");
  EXPECT_EQ(u->password, "p@ss:w/d");
  ASSERT_EQ(u->endpoints.size(), 1u);
  EXPECT_EQ(u->endpoints[0], (redis::Endpoint{"10.0.0.5", 6380}));

  u = redis::parse_broker_url("rediss://:only-password@redis.internal");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->user, "");
  EXPECT_EQ(u->password, "only-password");
  EXPECT_EQ(u->endpoints[0], (redis::Endpoint{"redis.internal", 6379}));

  u = redis::parse_broker_url("rediss-cluster://app:pw@10.0.1.1:7000,10.0.1.2:7001");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->cluster);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->password, "pw");
  ASSERT_EQ(u->endpoints.size(), 2u);
  EXPECT_EQ(u->endpoints[1], (redis::Endpoint{"10.0.1.2", 7001}));
  ASSERT_TRUE(redis::parse_redis_cluster_url("redis-cluster://u:p@h1:1,h2:2"));
  EXPECT_EQ(redis::parse_redis_url("redis://:pw@h:7")->port, 7);

  for (std::string bad : {"redis://s3cr3t-pw@host:6379", "redis://user:s3cr3t-pw@host:port",
                          "redis://user:s3cr3t-pw%zz@host:1", "redis-cluster://user:s3cr3t-pw@h1:1,h2",
                          "redis://user:s3cr3t-pw@h1:1,h2:2", "http://user:s3cr3t-pw@host:1"}) {
    auto r = redis::parse_broker_url(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message.find("s3cr3t"), std::string::npos) << r.error().message;
  }
}

TEST(RedisAuth, APasswordIsSentOnEveryConnectionAndAMissingOrWrongOneIsNotReady) {
  Server server("--requirepass s3cr3t-pw", "-a s3cr3t-pw");
  if (!server.up) GTEST_SKIP() << "redis-server not available";
  auto rt = std::make_shared<redis::Runtime>();

  // Without the password: every command would fail with NOAUTH, so the broker is not healthy and says so.
  auto none = broker(rt, server.endpoint(), nullptr, key);
  none->start();
  ASSERT_TRUE(wait_for([&] { return none->problem().find("NOAUTH") != std::string::npos; })) << none->problem();
  EXPECT_FALSE(none->healthy());
  EXPECT_NE(none->problem().find("password"), std::string::npos);  // it tells the operator what to do
  none.reset();

  // A wrong password: WRONGPASS, and the message never contains what we sent.
  auto wrong = broker(rt, server.endpoint(), access("", "not-the-pw"), key);
  wrong->start();
  ASSERT_TRUE(wait_for([&] { return wrong->problem().find("WRONGPASS") != std::string::npos; })) << wrong->problem();
  EXPECT_FALSE(wrong->healthy());
  EXPECT_EQ(wrong->problem().find("not-the-pw"), std::string::npos);
  wrong.reset();

  // The right one: both connections (commands, subscriber) authenticate, also after Redis drops them.
  auto a = broker(rt, server.endpoint(), access("", "s3cr3t-pw"), key);
  auto b = broker(rt, server.endpoint(), access("", "s3cr3t-pw"), key);
  Received got;
  b->set_handler([&](auto, auto p) { got.add(p); });
  a->start();
  b->start();
  // The refusals above were noted by other Access objects: these are healthy at once.
  ASSERT_TRUE(wait_for([&] { return a->healthy() && b->healthy(); })) << a->problem();
  b->subscribe("room:x");
  std::this_thread::sleep_for(200ms);
  a->publish("room:x", "one");
  ASSERT_TRUE(wait_for([&] { return got.has("one"); }));
  server.cli("client kill type normal");  // every client connection: reconnects must AUTH again
  server.cli("client kill type pubsub");
  ASSERT_TRUE(wait_for([&] { return a->healthy() && b->healthy(); }, 8000ms));
  std::this_thread::sleep_for(300ms);
  a->publish("room:x", "two");
  ASSERT_TRUE(wait_for([&] { return got.has("two"); }));

  // Presence and the rate limit share the command client: their scripts run authenticated too.
  redis::RedisPresence presence(std::make_shared<redis::SingleClient>(rt, server.endpoint(), access("", "s3cr3t-pw")),
                                "n1", "ta:");
  ASSERT_TRUE(wait_for([&] {
    std::promise<bool> p;
    auto pf = p.get_future();
    presence.join("r", {1, "u1"}, "n1:1", [&p](parley::core::Result<bool> r) { p.set_value(r.ok()); });
    return pf.wait_for(3s) == std::future_status::ready && pf.get();
  }));
}

TEST(RedisAuth, AnAclUserAuthenticatesAndARefusedPublishIsKeptUntilRedisTakesIt) {
  Server server("--requirepass admin-pw --user app on '>app-pw' '~*' '&*' '+@all' "
                "--user mute on '>mute-pw' '~*' '&*' '+@all' '-publish'",
                "-a admin-pw");
  if (!server.up) GTEST_SKIP() << "redis-server not available";
  auto rt = std::make_shared<redis::Runtime>();
  auto listener = broker(rt, server.endpoint(), access("app", "app-pw"), key);
  auto mute = broker(rt, server.endpoint(), access("mute", "mute-pw"), key);
  Received got;
  listener->set_handler([&](auto, auto p) { got.add(p); });
  listener->start();
  mute->start();
  ASSERT_TRUE(wait_for([&] { return listener->healthy() && mute->healthy(); })) << mute->problem();
  listener->subscribe("room:x");
  std::this_thread::sleep_for(200ms);

  // The ACL refuses mute's PUBLISH: it is not healthy, says NOPERM, and keeps the sequenced message.
  auto failures = parley::core::metrics().broker_publish_failures.load();
  mute->publish_sequenced("room:x", "seq 7");
  ASSERT_TRUE(wait_for([&] { return !mute->healthy(); }));
  EXPECT_NE(mute->problem().find("NOPERM"), std::string::npos) << mute->problem();
  EXPECT_EQ(mute->problem().find("mute-pw"), std::string::npos);
  EXPECT_GT(parley::core::metrics().broker_publish_failures.load(), failures);
  EXPECT_EQ(got.size(), 0u);
  // The operator fixes the ACL: the kept message goes out (retried every second) and arrives.
  server.cli("ACL SETUSER mute +publish");
  ASSERT_TRUE(wait_for([&] { return got.has("seq 7"); }, 5000ms));
  ASSERT_TRUE(wait_for([&] { return mute->healthy(); }, 12000ms));  // 10 s after the last refusal
}

TEST(RedisTls, VerifiesTheServerCertificateAndAddress) {
  if (sh("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl not available";
  std::string dir = "/tmp/parley-redis-tls-" + std::to_string(std::random_device{}() % 1000000);
  auto cert = [&](const std::string& name, const std::string& ca, const std::string& san) {
    return "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + dir + "/" + name + ".key -out " +
           dir + "/" + name + ".csr -subj /CN=" + name + " && printf 'subjectAltName=" + san + "' > " + dir + "/" +
           name + ".ext && openssl x509 -req -in " + dir + "/" + name + ".csr -CA " + dir + "/" + ca + ".crt -CAkey " +
           dir + "/" + ca + ".key -CAcreateserial -out " + dir + "/" + name + ".crt -days 1 -extfile " + dir + "/" +
           name + ".ext";
  };
  auto ca = [&](const std::string& name) {
    return "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + dir + "/" + name +
           ".key -out " + dir + "/" + name + ".crt -days 1 -subj /CN=" + name;
  };
  ASSERT_EQ(sh("mkdir -p " + dir + " && (" + ca("ca") + " && " + ca("other-ca") + " && " +
               cert("server", "ca", "IP:127.0.0.1,DNS:localhost") + " && " + cert("elsewhere", "ca", "IP:10.9.9.9") +
               ") >/dev/null 2>&1"),
            0);
  auto files = [&](const std::string& server) {
    return "--tls-cert-file " + dir + "/" + server + ".crt --tls-key-file " + dir + "/" + server +
           ".key --tls-ca-cert-file " + dir + "/ca.crt --tls-auth-clients no --requirepass tls-pw";
  };
  std::string cli_tls = "--tls --cacert " + dir + "/ca.crt -a tls-pw";
  {
    Server server(files("server"), cli_tls, true);
    if (!server.up) GTEST_SKIP() << "redis-server without TLS";
    auto rt = std::make_shared<redis::Runtime>();
    auto with = [&](const std::string& ca_file) {
      auto a = access("", "tls-pw");
      auto ctx = redis::make_tls_context({ca_file, "", ""});
      EXPECT_TRUE(ctx.ok());
      a->tls = *ctx;
      return a;
    };
    // Trusting the CA that signed it: TLS, AUTH, pub/sub.
    auto a = broker(rt, server.endpoint(), with(dir + "/ca.crt"), key);
    auto b = broker(rt, server.endpoint(), with(dir + "/ca.crt"), key);
    Received got;
    b->set_handler([&](auto, auto p) { got.add(p); });
    a->start();
    b->start();
    ASSERT_TRUE(wait_for([&] { return a->healthy() && b->healthy(); })) << a->problem();
    b->subscribe("room:t");
    std::this_thread::sleep_for(200ms);
    a->publish("room:t", "over tls");
    ASSERT_TRUE(wait_for([&] { return got.has("over tls"); }));

    // Another CA: the handshake fails, and /readyz would say so.
    auto stranger = broker(rt, server.endpoint(), with(dir + "/other-ca.crt"), key);
    stranger->start();
    ASSERT_TRUE(wait_for([&] { return stranger->problem().find("TLS handshake") != std::string::npos; }))
        << stranger->problem();
    EXPECT_NE(stranger->problem().find("certificate verify failed"), std::string::npos) << stranger->problem();
    EXPECT_FALSE(stranger->healthy());
    // A plain-TCP client cannot talk to a TLS port.
    auto plain = broker(rt, server.endpoint(), access("", "tls-pw"), key);
    plain->start();
    std::this_thread::sleep_for(1000ms);
    EXPECT_FALSE(plain->healthy());
  }
  {
    // A certificate of the right CA for another address is refused: the name is checked, not only the chain.
    Server server(files("elsewhere"), "--tls --insecure -a tls-pw", true);
    ASSERT_TRUE(server.up);
    auto rt = std::make_shared<redis::Runtime>();
    auto a = access("", "tls-pw");
    a->tls = *redis::make_tls_context({dir + "/ca.crt", "", ""});
    auto b = broker(rt, server.endpoint(), a, key);
    b->start();
    ASSERT_TRUE(wait_for([&] { return b->problem().find("TLS handshake") != std::string::npos; })) << b->problem();
    EXPECT_FALSE(b->healthy());
  }
  EXPECT_FALSE(redis::make_tls_context({dir + "/missing.crt", "", ""}).ok());
  EXPECT_FALSE(redis::make_tls_context({"", dir + "/server.crt", ""}).ok());
  sh("rm -rf " + dir);
}

TEST(EnvelopeMac, SealsBoundToTheChannelAndRejectsForgeries) {
  redis::EnvelopeMac mac(key), other("another-key-0123456789abcdef0123456789");
  std::string sealed = mac.seal("parley:room:a", "v1\npayload");
  EXPECT_EQ(mac.open("parley:room:a", sealed), std::optional<std::string_view>("v1\npayload"));
  EXPECT_FALSE(mac.open("parley:room:b", sealed));  // not replayable into another channel
  EXPECT_FALSE(other.open("parley:room:a", sealed));
  EXPECT_FALSE(mac.open("parley:room:a", "v1\npayload"));
  std::string tampered = sealed;
  tampered.back() ^= 1;
  EXPECT_FALSE(mac.open("parley:room:a", tampered));
  EXPECT_FALSE(mac.open("parley:room:a", sealed.substr(0, 20)));
}

// Not a pass/fail benchmark: prints what one seal and one open cost on this machine, for the record.
TEST(EnvelopeMac, CostPerEnvelope) {
  redis::EnvelopeMac mac(key);
  std::string payload = "v1\n0\nn1:42\ngeneral\n123456\nmessage:received\n" + std::string(160, 'x');
  constexpr int n = 200000;
  auto t0 = std::chrono::steady_clock::now();
  size_t total = 0;
  std::string sealed;
  for (int i = 0; i < n; ++i) {
    sealed = mac.seal("parley:room:general", payload);
    total += sealed.size();
  }
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) total += mac.open("parley:room:general", sealed)->size();
  auto t2 = std::chrono::steady_clock::now();
  double seal_ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
  double open_ns = std::chrono::duration<double, std::nano>(t2 - t1).count() / n;
  std::printf("[   cost   ] %zu-byte envelope: seal %.0f ns, open %.0f ns (%zu)\n", payload.size(), seal_ns, open_ns,
              total % 10);
  EXPECT_LT(seal_ns, 50000);
  EXPECT_LT(open_ns, 50000);
}

TEST(RedisBrokerSealing, AForgedPublishIsDroppedAndCountedAndAGenuineOneDelivered) {
  Server server("");
  if (!server.up) GTEST_SKIP() << "redis-server not available";
  auto rt = std::make_shared<redis::Runtime>();
  auto a = broker(rt, server.endpoint(), nullptr, key);
  auto b = broker(rt, server.endpoint(), nullptr, key);
  auto stranger = broker(rt, server.endpoint(), nullptr, "a-different-key-0123456789abcdef0123");
  Received got;
  b->set_handler([&](auto, auto p) { got.add(p); });
  a->start();
  b->start();
  stranger->start();
  ASSERT_TRUE(wait_for([&] { return a->healthy() && b->healthy() && stranger->healthy(); }));
  b->subscribe("room:x");
  std::this_thread::sleep_for(200ms);
  auto rejected = parley::core::metrics().broker_envelopes_rejected.load();
  server.cli("publish ta:room:x 'v1\n0\n\nx\n99\nmessage:received\n{\"text\":\"forged\"}'");
  server.cli("publish ta:room:x 'p1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nforged too'");
  stranger->publish("room:x", "wrong key");
  a->publish("room:x", "genuine");
  ASSERT_TRUE(wait_for([&] { return got.has("genuine"); }));
  ASSERT_TRUE(wait_for([&] { return parley::core::metrics().broker_envelopes_rejected.load() == rejected + 3; }));
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(b->received_count(), 1u);
}

// A Redis Cluster of 3 primaries with a password (requirepass + masterauth), made here: every connection
// (the seeds, each primary's command connection, each shard's SSUBSCRIBE connection) authenticates.
TEST(RedisClusterAuth, EveryShardConnectionAuthenticates) {
  if (sh("command -v redis-server >/dev/null 2>&1") != 0) GTEST_SKIP() << "redis-server not available";
  std::random_device rd;
  int base = 22000 + static_cast<int>(rd() % 4000) * 2;  // ports base..base+2, buses base+10..base+12 (< 32768)
  std::string dir = "/tmp/parley-redis-cluster-auth-" + std::to_string(base);
  std::vector<int> ports{base, base + 1, base + 2};
  std::string create = "redis-cli -a cl-pw --no-auth-warning --cluster create";
  sh("mkdir -p " + dir);
  for (int p : ports) {
    sh("redis-server --port " + std::to_string(p) + " --cluster-port " + std::to_string(p + 10) +
       " --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file " + dir + "/nodes-" + std::to_string(p) +
       ".conf --cluster-node-timeout 1500 --requirepass cl-pw --masterauth cl-pw --save '' --appendonly no "
       "--daemonize yes --dir " + dir + " --pidfile " + dir + "/redis-" + std::to_string(p) + ".pid --logfile " + dir +
       "/redis-" + std::to_string(p) + ".log");
    create += " 127.0.0.1:" + std::to_string(p);
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() { sh("for f in " + dir + "/*.pid; do kill $(cat $f) 2>/dev/null; done; sleep 0.2; rm -rf " + dir); }
  } cleanup{dir};
  ASSERT_TRUE(wait_for([&] { return sh("redis-cli -p " + std::to_string(ports[2]) + " ping >/dev/null 2>&1") == 0; }));
  ASSERT_EQ(sh(create + " --cluster-yes >/dev/null 2>&1"), 0);
  ASSERT_TRUE(wait_for([&] {
    for (int p : ports)
      if (sh("redis-cli -p " + std::to_string(p) + " -a cl-pw --no-auth-warning cluster info | grep -q cluster_state:ok") != 0)
        return false;
    return true;
  }, 15000ms));

  auto rt = std::make_shared<redis::Runtime>();
  auto make = [&](std::shared_ptr<const redis::Access> a) {
    auto client = std::make_shared<redis::ClusterClient>(rt, std::vector<redis::Endpoint>{{"127.0.0.1", ports[0]}}, a);
    auto sub = std::make_unique<redis::ShardedSubscriber>(*client);
    return std::make_unique<redis::RedisBroker>(client, std::move(sub), "tc:", key);
  };
  auto none = make(nullptr);
  none->start();
  ASSERT_TRUE(wait_for([&] { return none->problem().find("NOAUTH") != std::string::npos; })) << none->problem();
  EXPECT_FALSE(none->healthy());
  none.reset();

  auto a = make(access("", "cl-pw")), b = make(access("", "cl-pw"));
  Received got;
  b->set_handler([&](auto, auto p) { got.add(p); });
  a->start();
  b->start();
  ASSERT_TRUE(wait_for([&] { return a->healthy() && b->healthy(); }, 8000ms)) << a->problem();
  // Channels on every shard: some hash to each primary.
  std::vector<std::string> rooms;
  for (int i = 0; i < 12; ++i) rooms.push_back("room:r" + std::to_string(i));
  for (auto& r : rooms) b->subscribe(r);
  std::this_thread::sleep_for(500ms);
  for (auto& r : rooms) a->publish(r, "to " + r);
  ASSERT_TRUE(wait_for([&] { return got.size() == rooms.size(); })) << got.size();
}

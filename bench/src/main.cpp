// parley-bench: a WebSocket load generator for Parley (native protocol) and Socket.IO servers.
// Prints one JSON line per run; see bench/README.md.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "http_login.hpp"
#include "signed_tokens.hpp"
#include "options.hpp"
#include "proc_stats.hpp"
#include "scenario.hpp"
#include "server_proc.hpp"

namespace json = boost::json;
using namespace bench;

namespace {

struct Limits {
  rlim_t soft = 0, hard = 0;
};

// Raises RLIMIT_NOFILE to its hard limit and returns both values.
Limits raise_nofile() {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
  getrlimit(RLIMIT_NOFILE, &r);
  return {r.rlim_cur, r.rlim_max};
}

struct ServerSample {
  uint64_t rss_kib = 0;
  double cpu_s = 0;
};
ServerSample sample(const std::vector<int>& pids) {
  ServerSample s;
  for (int pid : pids) {
    s.rss_kib += rss_kib(pid);
    s.cpu_s += cpu_seconds(pid);
  }
  return s;
}

double ms(uint64_t us) { return std::round(double(us) / 10.0) / 100.0; }

// Runs the plan in `procs` processes (forked after login, so no threads exist yet) and merges their stats.
// `ready` runs in this process once every process has finished setup, before sending starts.
Stats run(const Options& o, const Plan& plan, const std::vector<Account>& accounts, size_t procs,
          const std::function<void()>& ready) {
  if (procs <= 1) return run_local(o, plan, accounts, 0, 1, [&](bool) { ready(); });
  struct Child {
    pid_t pid;
    FILE* from;
    int to;
  };
  std::vector<Child> children;
  std::fflush(nullptr);
  for (size_t p = 0; p < procs; ++p) {
    int up[2], down[2];
    if (pipe(up) != 0 || pipe(down) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = fork();
    if (pid == 0) {
      close(up[0]);
      close(down[1]);
      Stats s = run_local(o, plan, accounts, p, procs, [&](bool ok) {
        char c = ok ? 'R' : 'F';
        (void)!write(up[1], &c, 1);
        (void)!read(down[0], &c, 1);
      });
      std::string line = json::serialize(s.to_json()) + "\n";
      (void)!write(up[1], line.data(), line.size());
      _exit(0);
    }
    close(up[1]);
    close(down[0]);
    children.push_back({pid, fdopen(up[0], "r"), down[1]});
  }
  for (auto& c : children) std::fgetc(c.from);  // 'R' or 'F'
  ready();
  for (auto& c : children) (void)!write(c.to, "G", 1);
  Stats total;
  for (auto& c : children) {
    std::string line;
    for (int ch; (ch = std::fgetc(c.from)) != EOF && ch != '\n';) line.push_back(char(ch));
    if (!line.empty()) total.merge(Stats::from_json(json::parse(line).as_object()));
    std::fclose(c.from);
    close(c.to);
    waitpid(c.pid, nullptr, 0);
  }
  return total;
}

// Tokens saved by an earlier run against the same server and user prefix (--token-cache), if enough of them.
std::vector<Account> cached_accounts(const Options& o, size_t count) {
  std::vector<Account> out;
  if (o.token_cache.empty()) return out;
  std::ifstream in(o.token_cache);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object() || v.at("prefix") != json::value(o.user_prefix))
    return out;
  for (const auto& a : v.at("accounts").as_array()) {
    if (out.size() == count) break;
    const auto& obj = a.as_object();
    out.push_back({obj.at("id").to_number<int64_t>(), std::string(obj.at("username").as_string()),
                   std::string(obj.at("token").as_string())});
  }
  if (out.size() < count) out.clear();
  return out;
}

void save_accounts(const Options& o, const std::vector<Account>& accounts) {
  if (o.token_cache.empty()) return;
  json::array list;
  for (const auto& a : accounts) list.push_back(json::object{{"id", a.id}, {"username", a.username}, {"token", a.token}});
  std::ofstream(o.token_cache) << json::serialize(json::object{{"url", o.urls[0]}, {"prefix", o.user_prefix}, {"accounts", list}});
}

// One full run: login, connections, sending, result as a JSON object.
json::object bench_run(Options o) {
  Limits nofile = raise_nofile();
  Plan plan = make_plan(o);
  size_t per_proc_cap = nofile.soft > 300 ? nofile.soft - 200 : nofile.soft;
  size_t procs = o.procs ? o.procs : std::max<size_t>(1, (plan.conns.size() + per_proc_cap - 1) / per_proc_cap);
  std::fprintf(stderr, "parley-bench: RLIMIT_NOFILE is %llu per process (hard %llu); %zu connections in %zu process%s\n",
               (unsigned long long)nofile.soft, (unsigned long long)nofile.hard, plan.conns.size(), procs,
               procs == 1 ? "" : "es");
  std::vector<Account> accounts = o.jwt_secret.empty() ? cached_accounts(o, plan.users)
                                                        : signed_accounts(o.user_prefix, plan.users, o.jwt_secret);
  if (accounts.empty()) {
    accounts = login_users(parse_url(o.urls[0]), o.user_prefix, plan.users, o.password, std::max<size_t>(4, o.threads));
    save_accounts(o, accounts);
  }

  // Server samples: before connecting, once all are connected, and at the end of the measured window (the
  // drain is not counted in the CPU figure).
  ServerSample before = sample(o.server_pids), at_ready, after;
  std::thread window_clock;
  Stats s = run(o, plan, accounts, procs, [&] {
    if (!o.server_pids.empty() && o.scenario == "idle") sleep(2);  // let the server settle
    at_ready = sample(o.server_pids);
    window_clock = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup + o.duration));
      after = sample(o.server_pids);
    });
  });
  if (window_clock.joinable()) window_clock.join();

  uint64_t lost = s.expected > s.unique ? s.expected - s.unique : 0;
  json::object r{{"bench", "parley-bench"},
                 {"label", o.label},
                 {"scenario", o.scenario},
                 {"protocol", o.protocol},
                 {"urls", json::value_from(o.urls)},
                 {"conns", plan.conns.size()},
                 {"users", plan.users},
                 {"senders", plan.senders},
                 {"rooms", o.scenario == "dm" ? 0 : o.rooms},
                 {"members", o.scenario == "fanout" ? o.members : 0},
                 {"inflight", o.rate == 0 ? o.inflight : 0},
                 {"rate", o.rate},
                 {"duration_s", o.duration},
                 {"threads", o.threads},
                 {"procs", procs},
                 {"nofile", json::object{{"soft", nofile.soft}, {"hard", nofile.hard}}},
                 {"connected", s.connected},
                 {"connect_errors", s.connect_errors},
                 {"messages_per_s", int64_t(std::round(double(s.sent_in_window) / o.duration))},
                 {"deliveries_per_s", int64_t(std::round(double(s.in_window) / o.duration))},
                 {"latency_ms", json::object{{"p50", ms(s.latency.quantile(0.5))},
                                             {"p90", ms(s.latency.quantile(0.9))},
                                             {"p99", ms(s.latency.quantile(0.99))},
                                             {"max", ms(s.latency.max())}}},
                 {"sent", s.sent},
                 {"send_errors", s.send_errors},
                 {"expected", s.expected},
                 {"delivered", s.unique},
                 {"lost", lost},
                 {"duplicated", s.duplicates},
                 {"disconnects", s.disconnects}};
  if (!o.server_pids.empty()) {
    double window = o.duration + o.warmup;
    r["server"] = json::object{
        {"pids", json::value_from(o.server_pids)},
        {"rss_kib_before", before.rss_kib},
        {"rss_kib_connected", at_ready.rss_kib},
        {"rss_kib_after", after.rss_kib},
        {"bytes_per_conn", s.connected ? int64_t(std::round(double(int64_t(at_ready.rss_kib) - int64_t(before.rss_kib)) *
                                                            1024.0 / double(s.connected)))
                                       : int64_t(0)},
        {"cpu_s_setup", std::round((at_ready.cpu_s - before.cpu_s) * 100) / 100},
        {"cpu_pct_run", std::round((after.cpu_s - at_ready.cpu_s) / window * 1000) / 10}};
  }
  return r;
}

bool clean(const json::object& r) {
  return r.at("lost").as_uint64() == 0 && r.at("duplicated").as_uint64() == 0 &&
         r.at("send_errors").as_uint64() == 0 && r.at("connect_errors").as_uint64() == 0 &&
         r.at("disconnects").as_uint64() == 0 && r.at("sent").as_uint64() > 0;
}

// --quick: a Parley of its own, a tiny fan-out and DM run over the native protocol and Socket.IO; non-zero on
// any loss, duplicate, error or disconnect.
int quick(Options o) {
  const char* bin = std::getenv("PARLEY_BIN");
  ServerProc server(bin && *bin ? bin : "build/src/parley");
  o.urls = {server.url()};
  o.server_pids = {server.pid()};
  o.duration = 1;
  o.warmup = 0.2;
  o.threads = 1;
  o.procs = 1;
  o.sources = 2;
  o.token_cache = "/tmp/parley-bench-quick-" + std::to_string(getpid()) + ".json";  // one login per user
  bool ok = true;
  for (const char* protocol : {"native", "socketio"})
  for (const char* scenario : {"fanout", "dm"}) {
    Options q = o;
    q.protocol = protocol;
    q.scenario = scenario;
    q.rooms = 4;
    q.members = 5;
    q.senders = 2;
    q.pairs = 5;
    q.inflight = 4;
    json::object r = bench_run(q);
    r["quick"] = true;
    std::cout << json::serialize(r) << std::endl;
    ok = ok && clean(r);
  }
  std::remove(o.token_cache.c_str());
  if (!server.alive()) {
    std::fprintf(stderr, "parley-bench --quick: the server died\n");
    ok = false;
  }
  std::fprintf(stderr, "parley-bench --quick: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  Options o;
  CLI::App app{"parley-bench: WebSocket load generator for Parley and Socket.IO servers (one JSON line per run)"};
  app.add_option("--url", o.urls, "server URL(s); connections are spread over them (cross-node)")->capture_default_str();
  app.add_option("--protocol", o.protocol, "native | socketio (WebSocket) | polling (Socket.IO, long-polling)")->check(CLI::IsMember({"native", "socketio", "polling"}))->capture_default_str();
  app.add_option("--scenario", o.scenario, "idle | fanout | dm")->check(CLI::IsMember({"idle", "fanout", "dm"}))->capture_default_str();
  app.add_option("--conns", o.conns, "idle: connections")->capture_default_str();
  app.add_option("--rooms", o.rooms, "fanout: rooms; idle: rooms the connections join, one each (0: none)")->capture_default_str();
  app.add_option("--members", o.members, "fanout: members (connections) per room")->capture_default_str();
  app.add_option("--senders", o.senders, "fanout: senders per room")->capture_default_str();
  app.add_option("--pairs", o.pairs, "dm: pairs of users messaging each other")->capture_default_str();
  app.add_option("--inflight", o.inflight, "messages in flight per sender (saturation)")->capture_default_str();
  app.add_option("--rate", o.rate, "messages/s over all senders (0: saturation)")->capture_default_str();
  app.add_option("--duration", o.duration, "measured seconds")->capture_default_str();
  app.add_option("--warmup", o.warmup, "seconds of sending before the window")->capture_default_str();
  app.add_option("--text-bytes", o.text_bytes, "pad message texts to this length")->capture_default_str();
  app.add_option("--users", o.users, "distinct bench users (0: automatic)")->capture_default_str();
  app.add_option("--threads", o.threads, "client event loops per process")->capture_default_str();
  app.add_option("--procs", o.procs, "client processes (0: as RLIMIT_NOFILE requires)")->capture_default_str();
  app.add_option("--sources", o.sources, "loopback source addresses 127.0.0.2.. (0: kernel's choice)")->capture_default_str();
  app.add_option("--connect-concurrency", o.connect_concurrency, "handshakes in progress per thread")->capture_default_str();
  app.add_option("--server-pid", o.server_pids, "server process(es) whose RSS and CPU to report");
  app.add_option("--user-prefix", o.user_prefix, "bench user names: PREFIX<i>")->capture_default_str();
  app.add_option("--password", o.password, "bench users' password");
  app.add_option("--label", o.label, "copied into the result");
  app.add_option("--token-cache", o.token_cache, "file of tokens to reuse against the same server, or one sharing its store and JWT secret (skips login)");
  app.add_option("--jwt-secret", o.jwt_secret, "sign users' tokens with the server's JWT secret instead of registering them (idle runs of many users)");
  app.add_flag("--quick", o.quick, "start a Parley (PARLEY_BIN, default build/src/parley) and run a tiny check");
  // A later value overrides an earlier one (scripts pass defaults first); --url and --server-pid accumulate.
  for (auto* opt : app.get_options())
    if (opt->get_name() != "--url" && opt->get_name() != "--server-pid" && opt->get_name() != "--help")
      opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  CLI11_PARSE(app, argc, argv);
  try {
    if (o.quick) return quick(o);
    std::cout << json::serialize(bench_run(o)) << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley-bench: %s\n", e.what());
    return 2;
  }
}

#pragma once
// The command line of parley-bench (see `parley-bench --help` and bench/README.md).
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct Options {
  std::vector<std::string> urls{"http://127.0.0.1:8080"};
  std::string protocol = "native";   // native | socketio (WebSocket) | polling (Socket.IO over long-polling)
  std::string scenario = "fanout";   // idle | fanout | dm
  size_t conns = 1000;               // idle: connections
  // fanout: R rooms x S members, senders per room; idle: each connection joins one of R rooms (0: none)
  size_t rooms = 100, members = 100, senders = 1;
  size_t pairs = 100;                // dm: pairs of users messaging each other
  size_t inflight = 16;              // messages in flight per sender (saturation)
  double rate = 0;                   // messages/s over all senders; 0 = saturation
  double duration = 10, warmup = 2;  // seconds
  size_t text_bytes = 0;             // pad message texts to this many bytes
  size_t users = 0;                  // distinct bench users (0: members for fanout, 2*pairs for dm, one per connection for idle)
  size_t threads = 1, procs = 0;     // procs 0: as many as RLIMIT_NOFILE needs
  size_t sources = 8;                // loopback source addresses 127.0.0.2.. (0: let the kernel choose)
  size_t connect_concurrency = 128;  // handshakes in progress per thread
  std::vector<int> server_pids;      // read RSS and CPU of these processes
  std::string user_prefix = "bench_u";
  std::string password = "bench-pass";
  std::string label;
  std::string token_cache;           // reuse tokens of an earlier run against the same server (file)
  std::string jwt_secret;            // sign tokens with the server's secret instead of registering users
  bool quick = false;
};

}  // namespace bench

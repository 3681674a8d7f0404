#pragma once
// The connections of one bench run and the engine that drives them: setup (connect, auth, join), a barrier,
// the sending phase (saturation or fixed rate), the measured window, and the drain.
// Thread safety: run_local() owns its threads; the Barrier is called from the calling thread.
#include <functional>
#include <vector>

#include "http_login.hpp"
#include "options.hpp"
#include "stats.hpp"

namespace bench {

struct ConnSpec {
  uint32_t url = 0;       // index into Options::urls
  uint32_t user = 0;      // index into the accounts
  int32_t room = -1;      // fanout: room to join
  int32_t sender = -1;    // >= 0: this connection sends, with this global sender id
  int32_t dm_to = -1;     // dm: account index of the recipient
  uint32_t fanout = 0;    // deliveries each of its messages should cause
};

struct Plan {
  std::vector<ConnSpec> conns;
  size_t senders = 0;
  size_t users = 0;
};

// Lays out every connection of the run from the options.
Plan make_plan(const Options& o);

// Between setup and sending: returns once every process is ready (and the parent has measured what it
// measures). `ok` is false when this process failed its setup.
using Barrier = std::function<void(bool ok)>;

// Microseconds on CLOCK_MONOTONIC (comparable across the processes of one machine).
uint64_t now_us();

// Runs the connections whose index % procs == proc, waits in `barrier`, then sends for warmup + duration and
// drains. Returns this process's statistics.
Stats run_local(const Options& o, const Plan& plan, const std::vector<Account>& accounts, size_t proc,
                size_t procs, const Barrier& barrier);

}  // namespace bench

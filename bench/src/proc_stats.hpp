#pragma once
// Reading another process's memory and CPU from /proc (the server under test). Thread safety: stateless.
#include <cstdint>

namespace bench {

// VmRSS of `pid` in KiB; 0 if it cannot be read.
uint64_t rss_kib(int pid);
// User + system CPU seconds consumed so far by `pid`; 0 if it cannot be read.
double cpu_seconds(int pid);

}  // namespace bench

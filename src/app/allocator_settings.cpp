// jemalloc's settings, read by jemalloc at start-up when the binary links it (PARLEY_JEMALLOC; glibc's malloc
// and the sanitizers ignore the symbol). The environment's MALLOC_CONF still overrides them.
//
// Memory freed goes back to the system within about a second, by jemalloc's own background thread: by default
// freed pages stay resident for 10 s and are given back only on later allocator calls, so an idle server kept
// the peak of its last burst (10,000 connections joining their rooms left ~150 bytes per connection of such
// pages: bench/README.md, "Idle memory"). The thread sleeps between purges; reused pages are never purged.
extern "C" {
// NOLINTNEXTLINE(readability-identifier-naming): the name jemalloc looks for.
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
}

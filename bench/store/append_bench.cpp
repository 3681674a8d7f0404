// parley-store-bench: the CPU cost of storing one room message in SQLite, the part of room fan-out that runs on
// the store's writer thread (see bench/README.md, "What the profiles show"). Google Benchmark with process CPU
// time, so the writer thread's work is counted, not only the submitting thread's.
//
// Each iteration appends `batch` messages spread over 100 rooms and waits for their callbacks: one
// group-committed transaction of about that many messages, as the writer sees at fan-out saturation.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "store/sqlite_store.hpp"

namespace {

bool any_failed = false;  // SkipWithError alone would still exit 0: CI runs this and must see a failure

void fail(benchmark::State& state, const std::string& why) {
  any_failed = true;
  state.SkipWithError(why.c_str());
}

std::filesystem::path fresh_database() {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("parley-store-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir / "bench.db";
}

void append_messages(benchmark::State& state) {
  const auto batch = static_cast<int>(state.range(0));
  const std::filesystem::path path = fresh_database();
  auto store = parley::store::SqliteStore::open(path.string());
  if (!store) {
    fail(state, store.error().message);
    return;
  }
  const std::string text(120, 'x');  // about the size of a bench message's text
  std::atomic<int64_t> failed{0};
  int64_t next_id = 0;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) {
      parley::store::NewMessage m;
      m.id = "bench-" + std::to_string(++next_id);
      m.room = "room-" + std::to_string(next_id % 100);
      m.from_id = 1;
      m.from_name = "bench_user";
      m.text = text;
      m.ts = next_id;
      (*store)->append_message(std::move(m), [&failed](parley::core::Result<parley::store::StoredMessage> r) {
        if (!r) failed.fetch_add(1, std::memory_order_relaxed);
      });
    }
    (*store)->flush();
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["commits_per_iteration"] =
      benchmark::Counter(static_cast<double>((*store)->commits()), benchmark::Counter::kAvgIterations);
  if (failed.load() > 0) fail(state, std::to_string(failed.load()) + " appends failed");
  store->reset();
  std::filesystem::remove_all(path.parent_path());
}

}  // namespace

BENCHMARK(append_messages)
    ->Arg(1)
    ->Arg(20)
    ->Arg(100)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return any_failed ? 1 : 0;
}

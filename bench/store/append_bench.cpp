// parley-store-bench: the CPU cost of storing one message in SQLite, the part of room fan-out and of DMs that
// runs on the store's writer thread (see bench/README.md, "What the profiles show"). Google Benchmark with
// process CPU time, so the writer thread's work is counted, not only the submitting thread's.
//
// Each iteration appends `batch` messages and waits for their callbacks: one group-committed transaction of
// about that many messages, as the writer sees at saturation. append_messages spreads them over 100 rooms;
// append_direct_messages over 100 conversations of one user (docs/protocol.md §8), and
// append_direct_messages_keyed gives each a clientMsgId (its idempotency key is taken in the same transaction).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <unistd.h>

#include <vector>

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

enum class Kind { room, direct, direct_keyed };

void append(benchmark::State& state, Kind kind) {
  const auto batch = static_cast<int>(state.range(0));
  const std::filesystem::path path = fresh_database();
  auto store = parley::store::SqliteStore::open(path.string());
  if (!store) {
    fail(state, store.error().message);
    return;
  }
  // The sender and the 100 users it writes to (a conversation's first message records it for both).
  std::vector<int64_t> users;
  for (int u = 0; u <= 100; ++u) {
    std::promise<int64_t> made;
    (*store)->create_user("bench_" + std::to_string(u), "x", [&made](parley::core::Result<parley::store::User> r) {
      made.set_value(r ? r->id : -1);
    });
    users.push_back(made.get_future().get());
  }
  const std::string text(120, 'x');  // about the size of a bench message's text
  std::atomic<int64_t> failed{0};
  int64_t next_id = 0;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) {
      parley::store::NewMessage m;
      m.id = "bench-" + std::to_string(++next_id);
      m.room = kind == Kind::room ? "room-" + std::to_string(next_id % 100)
                                  : parley::store::conversation_key(users[0], users[1 + next_id % 100]);
      m.from_id = users[0];
      m.from_name = "bench_0";
      if (kind == Kind::direct_keyed) m.client_msg_id = "key-" + std::to_string(next_id);
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

void append_messages(benchmark::State& state) { append(state, Kind::room); }
void append_direct_messages(benchmark::State& state) { append(state, Kind::direct); }
void append_direct_messages_keyed(benchmark::State& state) { append(state, Kind::direct_keyed); }

}  // namespace

BENCHMARK(append_messages)->Arg(1)->Arg(20)->Arg(100)->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(append_direct_messages)
    ->Arg(1)->Arg(20)->Arg(100)->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(append_direct_messages_keyed)
    ->Arg(1)->Arg(20)->Arg(100)->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return any_failed ? 1 : 0;
}

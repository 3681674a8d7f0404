// SqliteStore under concurrency: seq assignment from many threads and two writers, group commit, per-job
// savepoints, flush.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <future>
#include <latch>
#include <map>
#include <string>
#include <vector>
#include <mutex>
#include <thread>

#include "store/sqlite_store.hpp"
#include "store_test_util.hpp"

namespace parley::store {
namespace {

using core::ErrorCode;
using testing::make_message;
using testing::seqs;
using testing::SyncStore;
using testing::TempDir;

std::unique_ptr<SqliteStore> open_store(const TempDir& dir, SqliteOptions options = {}) {
  auto opened = SqliteStore::open(dir.file("parley.db"), options);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  return opened.ok() ? std::move(*opened) : nullptr;
}

// Holds the writer thread inside the callback of a first append until release() is called, so that every
// write queued meanwhile waits in the queue and is taken as one batch.
class WriterGate {
 public:
  explicit WriterGate(Store& store) {
    store.append_message(make_message("gate", "gate-1"), [this](core::Result<StoredMessage>) {
      entered_.set_value();
      released_.get_future().wait();
    });
    entered_.get_future().wait();
  }
  void release() { released_.set_value(); }

 private:
  std::promise<void> entered_;
  std::promise<void> released_;
};

TEST(SqliteStoreConcurrency, ConcurrentAppendsGetGaplessSeqsDeliveredInOrder) {
  TempDir dir;
  auto store = open_store(dir);
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  constexpr int kTotal = kThreads * kPerThread;

  std::mutex mutex;
  std::vector<int64_t> delivered;  // seqs in callback order
  std::atomic<int> failures{0};
  std::latch all_done(kTotal);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        store->append_message(make_message("room", std::to_string(t) + "-" + std::to_string(i)),
                              [&](core::Result<StoredMessage> stored) {
                                if (stored.ok()) {
                                  std::lock_guard lock(mutex);
                                  delivered.push_back(stored->seq);
                                } else {
                                  ++failures;
                                }
                                all_done.count_down();
                              });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  all_done.wait();

  EXPECT_EQ(failures.load(), 0);
  std::vector<int64_t> expected(kTotal);
  for (int i = 0; i < kTotal; ++i) expected[i] = i + 1;
  EXPECT_EQ(delivered, expected);  // no gap, no duplicate, callbacks in seq order

  SyncStore sync(*store);
  auto stored = sync.after("room", 0, 1000);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(seqs(*stored), expected);
  EXPECT_EQ(sync.ensure_room("room").value(), kTotal);
}

TEST(SqliteStoreConcurrency, ConcurrentAppendsToManyRoomsKeepEachRoomInOrder) {
  TempDir dir;
  auto store = open_store(dir);
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::mutex mutex;
  std::map<std::string, std::vector<int64_t>> delivered;
  std::latch all_done(kThreads * kPerThread);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string room = "room" + std::to_string(i % 3);
        store->append_message(make_message(room, std::to_string(t) + "-" + std::to_string(i)),
                              [&](core::Result<StoredMessage> stored) {
                                if (stored.ok()) {
                                  std::lock_guard lock(mutex);
                                  delivered[stored->room].push_back(stored->seq);
                                }
                                all_done.count_down();
                              });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  all_done.wait();
  size_t total = 0;
  for (const auto& [room, got] : delivered) {
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], static_cast<int64_t>(i + 1)) << room;
    total += got.size();
  }
  EXPECT_EQ(total, static_cast<size_t>(kThreads * kPerThread));
}

TEST(SqliteStoreConcurrency, GroupCommitBatchesQueuedWrites) {
  TempDir dir;
  auto store = open_store(dir);
  ASSERT_NE(store, nullptr);
  WriterGate gate(*store);  // the gate's append is commit #1
  EXPECT_EQ(store->commits(), 1u);

  constexpr int kAppends = 1000;
  std::latch all_done(kAppends);
  std::atomic<int> failures{0};
  for (int i = 0; i < kAppends; ++i) {
    store->append_message(make_message("room", "m" + std::to_string(i)), [&](core::Result<StoredMessage> stored) {
      if (!stored.ok()) ++failures;
      all_done.count_down();
    });
  }
  gate.release();
  all_done.wait();
  EXPECT_EQ(failures.load(), 0);
  // All 1000 appends waited in the queue together, so they share one transaction.
  EXPECT_EQ(store->commits(), 2u);
  EXPECT_EQ(SyncStore(*store).ensure_room("room").value(), kAppends);
}

TEST(SqliteStoreConcurrency, MaxBatchSplitsLargeBatches) {
  TempDir dir;
  SqliteOptions options;
  options.max_batch = 100;
  auto store = open_store(dir, options);
  ASSERT_NE(store, nullptr);
  WriterGate gate(*store);
  std::latch all_done(1000);
  for (int i = 0; i < 1000; ++i) {
    store->append_message(make_message("room", "m" + std::to_string(i)),
                          [&](core::Result<StoredMessage>) { all_done.count_down(); });
  }
  gate.release();
  all_done.wait();
  EXPECT_EQ(store->commits(), 1u + 10u);
}

TEST(SqliteStoreConcurrency, OneFailingJobDoesNotFailItsBatch) {
  TempDir dir;
  auto store = open_store(dir);
  ASSERT_NE(store, nullptr);
  WriterGate gate(*store);

  std::promise<core::Result<User>> bob, bob_again, carol;
  std::promise<core::Result<StoredMessage>> m1, m2;
  auto to = [](auto& promise) { return [&promise](auto result) { promise.set_value(std::move(result)); }; };
  store->create_user("bob", "h", to(bob));
  store->append_message(make_message("r", "m1"), to(m1));
  store->create_user("bob", "h2", to(bob_again));
  store->create_user("carol", "h", to(carol));
  store->append_message(make_message("r", "m2"), to(m2));
  gate.release();

  EXPECT_TRUE(bob.get_future().get().ok());
  auto dup_user = bob_again.get_future().get();
  ASSERT_FALSE(dup_user.ok());
  EXPECT_EQ(dup_user.error().code, ErrorCode::conflict);
  EXPECT_TRUE(carol.get_future().get().ok());
  EXPECT_EQ(m1.get_future().get()->seq, 1);
  EXPECT_EQ(m2.get_future().get()->seq, 2);
  EXPECT_EQ(store->commits(), 2u);  // all five jobs shared one transaction

  SyncStore sync(*store);
  EXPECT_EQ(sync.find_user("bob")->password_hash, "h");
  EXPECT_TRUE(sync.find_user("carol").ok());
}

TEST(SqliteStoreConcurrency, BatchFailsAsAWholeWhenTheWriteLockIsHeld) {
  TempDir dir;
  SqliteOptions options;
  options.busy_timeout_ms = 20;
  auto store = open_store(dir, options);
  ASSERT_NE(store, nullptr);
  SyncStore sync(*store);
  ASSERT_EQ(sync.append(make_message("r", "m0"))->seq, 1);  // the writer now holds the room's seq in memory

  // Another process (here: another connection) holds the write lock.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file("parley.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  auto refused = sync.append(make_message("r", "m1"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
  EXPECT_TRUE(sync.ping().ok());  // readers are not blocked by a writer in WAL mode

  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ(sync.append(make_message("r", "m1"))->seq, 2);  // nothing of the failed batch was kept, not its seq
  EXPECT_EQ(sync.ensure_room("r").value(), 2);
}

// Each writer keeps its rooms' seqs in memory; a second writer on the same file (another process) must make
// the first read them afresh, or the two would hand out the same seq.
TEST(SqliteStoreConcurrency, TwoStoresOnOneFileContinueEachOthersSeqs) {
  TempDir dir;
  auto first = open_store(dir);
  auto second = open_store(dir);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  SyncStore a(*first), b(*second);
  std::vector<int64_t> got;
  SyncStore* writers[] = {&a, &b, &b, &a, &a, &b};  // each writes again after the other has
  for (int i = 0; i < 6; ++i) {
    auto stored = writers[i]->append(make_message("room", "m" + std::to_string(i)));
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    got.push_back(stored->seq);
  }
  EXPECT_EQ(got, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(a.ensure_room("room").value(), 6);
  EXPECT_EQ(seqs(*b.after("room", 0, 100)), got);
}

TEST(SqliteStoreConcurrency, FlushWaitsForQueuedReadsAndWrites) {
  TempDir dir;
  auto store = open_store(dir);
  ASSERT_NE(store, nullptr);
  std::atomic<int> completed{0};
  for (int i = 0; i < 200; ++i) {
    store->append_message(make_message("r", "m" + std::to_string(i)),
                          [&](core::Result<StoredMessage>) { ++completed; });
    if (i % 4 == 0) {
      store->messages_before("r", std::nullopt, 50, [&](core::Result<std::vector<StoredMessage>>) { ++completed; });
      store->ensure_room("room" + std::to_string(i), [&](core::Result<int64_t>) { ++completed; });
    }
  }
  store->flush();
  EXPECT_EQ(completed.load(), 200 + 50 + 50);
}

TEST(SqliteStoreConcurrency, DestructorDrainsTheQueue) {
  TempDir dir;
  auto store = open_store(dir);
  ASSERT_NE(store, nullptr);
  std::atomic<int> ok{0};
  for (int i = 0; i < 100; ++i) {
    store->append_message(make_message("r", "m" + std::to_string(i)), [&](core::Result<StoredMessage> stored) {
      if (stored.ok()) ++ok;
    });
  }
  store.reset();
  EXPECT_EQ(ok.load(), 100);
}

}  // namespace
}  // namespace parley::store

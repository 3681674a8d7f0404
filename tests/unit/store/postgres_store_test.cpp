// PostgresStore against a real PostgreSQL (PARLEY_TEST_POSTGRES_URL; skipped when unset): what the SQLite tests
// cover, plus several stores ("nodes") appending to one room, concurrent migrations, and a server that stops
// and comes back. Each test runs in a database of its own.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "postgres_test_util.hpp"
#include "store/postgres/schema.hpp"
#include "store/postgres_store.hpp"
#include "store_test_util.hpp"

namespace parley::store {
namespace {

using core::ErrorCode;
using testing::make_message;
using testing::postgres_int;
using testing::seqs;
using testing::SyncStore;
using testing::TestDatabase;
using testing::ThrowawayServer;
using Clock = std::chrono::steady_clock;

std::unique_ptr<PostgresStore> open_store(const std::string& url, PostgresOptions options = {}) {
  auto opened = PostgresStore::open(url, options);
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

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PARLEY_REQUIRE_POSTGRES();
    db_ = std::make_unique<TestDatabase>();
    ASSERT_TRUE(db_->created()) << db_->error();
    store_ = open_store(db_->url());
    ASSERT_NE(store_, nullptr);
    sync_.emplace(*store_);
  }
  void TearDown() override {
    sync_.reset();
    store_.reset();  // before the database is dropped
    db_.reset();
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<PostgresStore> store_;
  std::optional<SyncStore> sync_;
};

TEST_F(PostgresStoreTest, GroupCommitBatchesQueuedWrites) {
  WriterGate gate(*store_);  // the gate's append is commit #1
  EXPECT_EQ(store_->commits(), 1u);
  constexpr int kAppends = 1000;
  std::latch all_done(kAppends);
  std::atomic<int> failures{0};
  for (int i = 0; i < kAppends; ++i) {
    store_->append_message(make_message("room", "m" + std::to_string(i)), [&](core::Result<StoredMessage> stored) {
      if (!stored.ok()) ++failures;
      all_done.count_down();
    });
  }
  gate.release();
  all_done.wait();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store_->commits(), 2u);  // all 1000 waited in the queue together: one transaction
  EXPECT_EQ(sync_->ensure_room("room").value(), kAppends);
}

TEST_F(PostgresStoreTest, MaxBatchSplitsLargeBatches) {
  PostgresOptions options;
  options.max_batch = 100;
  auto store = open_store(db_->url(), options);
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

TEST_F(PostgresStoreTest, OneFailingJobDoesNotFailItsBatch) {
  WriterGate gate(*store_);
  std::promise<core::Result<User>> bob, bob_again, carol;
  std::promise<core::Result<StoredMessage>> m1, m2, other;
  std::vector<std::string> order;  // callback order
  std::mutex mutex;
  auto to = [&](auto& promise, std::string name) {
    return [&promise, &order, &mutex, name](auto result) {
      {
        std::lock_guard lock(mutex);
        order.push_back(name);
      }
      promise.set_value(std::move(result));
    };
  };
  store_->create_user("bob", "h", to(bob, "bob"));
  store_->append_message(make_message("r", "m1"), to(m1, "m1"));
  store_->create_user("bob", "h2", to(bob_again, "bob_again"));
  store_->append_message(make_message("a-room", "o1"), to(other, "other"));
  store_->create_user("carol", "h", to(carol, "carol"));
  store_->append_message(make_message("r", "m2"), to(m2, "m2"));
  gate.release();

  EXPECT_TRUE(bob.get_future().get().ok());
  auto dup_user = bob_again.get_future().get();
  ASSERT_FALSE(dup_user.ok());
  EXPECT_EQ(dup_user.error().code, ErrorCode::conflict);
  EXPECT_TRUE(carol.get_future().get().ok());
  EXPECT_EQ(m1.get_future().get()->seq, 1);
  EXPECT_EQ(m2.get_future().get()->seq, 2);
  EXPECT_EQ(other.get_future().get()->seq, 1);
  EXPECT_EQ(store_->commits(), 2u);  // all six jobs shared one transaction
  // Callbacks in queue order, whatever order the jobs ran in.
  EXPECT_EQ(order, (std::vector<std::string>{"bob", "m1", "bob_again", "other", "carol", "m2"}));
  EXPECT_EQ(sync_->find_user("bob")->password_hash, "h");
}

TEST_F(PostgresStoreTest, ConcurrentAppendsGetGaplessSeqsDeliveredInOrder) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  constexpr int kTotal = kThreads * kPerThread;
  std::mutex mutex;
  std::vector<int64_t> delivered;
  std::atomic<int> failures{0};
  std::latch all_done(kTotal);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        store_->append_message(make_message("room", std::to_string(t) + "-" + std::to_string(i)),
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
  EXPECT_EQ(delivered, expected);
}

// Two stores on one database are two nodes of a cluster. Both append to the same rooms at once (several rooms,
// in different orders, so their batches would deadlock if they locked rooms in queue order): every room's seqs
// are 1..N with no gap or duplicate, and each node's callbacks see its own seqs of a room increasing.
TEST_F(PostgresStoreTest, TwoNodesAppendingToOneRoomGetGaplessSeqs) {
  auto other = open_store(db_->url());
  ASSERT_NE(other, nullptr);
  PostgresStore* nodes[2] = {store_.get(), other.get()};
  const std::vector<std::string> rooms = {"shared", "alpha", "omega"};
  constexpr int kThreadsPerNode = 2;
  constexpr int kPerThread = 300;
  constexpr int kTotal = 2 * kThreadsPerNode * kPerThread;

  std::mutex mutex;
  std::map<std::string, std::vector<int64_t>> per_node_room[2];
  std::atomic<int> failures{0};
  std::latch all_done(kTotal);
  std::vector<std::thread> threads;
  for (int n = 0; n < 2; ++n) {
    for (int t = 0; t < kThreadsPerNode; ++t) {
      threads.emplace_back([&, n, t] {
        for (int i = 0; i < kPerThread; ++i) {
          // Node 0 cycles the rooms forwards, node 1 backwards.
          const std::string& room = rooms[n == 0 ? i % 3 : 2 - i % 3];
          const std::string id = std::to_string(n) + "-" + std::to_string(t) + "-" + std::to_string(i);
          nodes[n]->append_message(make_message(room, id), [&, n](core::Result<StoredMessage> stored) {
            if (stored.ok()) {
              std::lock_guard lock(mutex);
              per_node_room[n][stored->room].push_back(stored->seq);
            } else {
              ADD_FAILURE() << stored.error().message;
              ++failures;
            }
            all_done.count_down();
          });
        }
      });
    }
  }
  for (std::thread& thread : threads) thread.join();
  all_done.wait();
  ASSERT_EQ(failures.load(), 0);

  size_t total = 0;
  for (const std::string& room : rooms) {
    std::multiset<int64_t> all;
    for (int n = 0; n < 2; ++n) {
      const std::vector<int64_t>& mine = per_node_room[n][room];
      for (size_t i = 1; i < mine.size(); ++i) EXPECT_LT(mine[i - 1], mine[i]) << room << " node " << n;
      all.insert(mine.begin(), mine.end());
    }
    std::multiset<int64_t> expected;
    for (int64_t s = 1; s <= static_cast<int64_t>(all.size()); ++s) expected.insert(s);
    EXPECT_EQ(all, expected) << room;
    total += all.size();
    auto stored = sync_->after(room, 0, 1000);
    ASSERT_TRUE(stored.ok());
    ASSERT_EQ(stored->size(), all.size());
    for (size_t i = 0; i < stored->size(); ++i) EXPECT_EQ((*stored)[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ(sync_->ensure_room(room).value(), static_cast<int64_t>(all.size()));
  }
  EXPECT_EQ(total, static_cast<size_t>(kTotal));
}

TEST_F(PostgresStoreTest, FlushWaitsForQueuedReadsAndWrites) {
  std::atomic<int> completed{0};
  for (int i = 0; i < 200; ++i) {
    store_->append_message(make_message("r", "m" + std::to_string(i)),
                           [&](core::Result<StoredMessage>) { ++completed; });
    if (i % 4 == 0) {
      store_->messages_before("r", std::nullopt, 50, [&](core::Result<std::vector<StoredMessage>>) { ++completed; });
      store_->ensure_room("room" + std::to_string(i), [&](core::Result<int64_t>) { ++completed; });
    }
  }
  store_->flush();
  EXPECT_EQ(completed.load(), 200 + 50 + 50);
}

TEST_F(PostgresStoreTest, DestructorDrainsTheQueue) {
  std::atomic<int> ok{0};
  for (int i = 0; i < 100; ++i) {
    store_->append_message(make_message("r", "m" + std::to_string(i)), [&](core::Result<StoredMessage> stored) {
      if (stored.ok()) ++ok;
    });
  }
  sync_.reset();
  store_.reset();
  EXPECT_EQ(ok.load(), 100);
}

TEST(PostgresStoreOpen, SeveralNodesStartingAtOnceMigrateOnce) {
  PARLEY_REQUIRE_POSTGRES();
  TestDatabase db;
  ASSERT_TRUE(db.created()) << db.error();
  constexpr int kNodes = 4;
  std::vector<std::unique_ptr<PostgresStore>> stores(kNodes);
  std::vector<std::string> errors(kNodes);
  {
    std::latch go(kNodes);
    std::vector<std::thread> threads;
    for (int i = 0; i < kNodes; ++i) {
      threads.emplace_back([&, i] {
        go.arrive_and_wait();
        auto opened = PostgresStore::open(db.url());
        if (opened.ok()) {
          stores[i] = std::move(*opened);
        } else {
          errors[i] = opened.error().message;
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  for (int i = 0; i < kNodes; ++i) EXPECT_NE(stores[i], nullptr) << errors[i];
  EXPECT_EQ(postgres_int(db.url(), "SELECT count(*) FROM schema_version"), postgres::latest_schema_version());
  EXPECT_EQ(postgres_int(db.url(), "SELECT max(version) FROM schema_version"), postgres::latest_schema_version());
  EXPECT_EQ(postgres_int(db.url(),
                         "SELECT count(*) FROM pg_tables WHERE tablename IN ('users', 'rooms', 'messages')"),
            3);
}

TEST(PostgresStoreOpen, ADatabaseOfTheLastReleaseKeepsItsRoomsAndSeqsAndGainsTheNewTables) {
  PARLEY_REQUIRE_POSTGRES();
  TestDatabase db;
  ASSERT_TRUE(db.created()) << db.error();
  // As the release of 2026-11-26 left it: schema 1, a room with three messages (its last_seq kept in rooms).
  std::string error;
  ASSERT_TRUE(testing::postgres_exec(db.url(), R"sql(
    CREATE TABLE schema_version (version INTEGER PRIMARY KEY);
    INSERT INTO schema_version (version) VALUES (1);
    CREATE TABLE users (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                        username TEXT COLLATE "C" UNIQUE NOT NULL, password_hash TEXT NOT NULL, created_at BIGINT);
    CREATE TABLE rooms (name TEXT COLLATE "C" PRIMARY KEY, last_seq BIGINT NOT NULL DEFAULT 0, created_at BIGINT);
    CREATE TABLE messages (room TEXT COLLATE "C" NOT NULL, seq BIGINT NOT NULL, id TEXT UNIQUE NOT NULL,
                           from_id BIGINT NOT NULL, from_name TEXT NOT NULL, text TEXT NOT NULL, ts BIGINT NOT NULL,
                           client_msg_id TEXT NOT NULL DEFAULT '', PRIMARY KEY (room, seq));
    INSERT INTO users (username, password_hash, created_at) VALUES ('alice', 'hash', 1), ('bob', 'hash', 1);
    INSERT INTO rooms (name, last_seq, created_at) VALUES ('a', 3, 1), ('quiet', 0, 1);
    INSERT INTO messages (room, seq, id, from_id, from_name, text, ts) VALUES
      ('a', 1, 'old-1', 1, 'alice', 'one', 1), ('a', 2, 'old-2', 2, 'bob', 'two', 2),
      ('a', 3, 'old-3', 1, 'alice', 'three', 3);
  )sql", &error)) << error;
  auto store = open_store(db.url());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(postgres_int(db.url(), "SELECT max(version) FROM schema_version"), postgres::latest_schema_version());
  EXPECT_EQ(postgres_int(db.url(), "SELECT count(*) FROM pg_tables WHERE tablename IN ('settings', 'memberships', "
                                   "'read_markers', 'conversations', 'idempotency_keys')"),
            5);
  // Message ids are no longer indexed: the (room, seq) primary key is the table's only index.
  EXPECT_EQ(postgres_int(db.url(), "SELECT count(*) FROM pg_indexes WHERE tablename = 'messages'"), 1);
  SyncStore sync(*store);
  EXPECT_EQ(sync.list_rooms().value(), (std::vector<std::string>{"a", "quiet"}));
  EXPECT_EQ(sync.append(make_message("a", "a4"))->seq, 4);
  EXPECT_EQ(sync.append(make_message("quiet", "q1"))->seq, 1);
  EXPECT_EQ(seqs(*sync.before("a", std::nullopt, 10)), (std::vector<int64_t>{1, 2, 3, 4}));
  auto joined = testing::wait_for<RoomJoin>([&](Callback<RoomJoin> done) { store->join_room(1, "a", 0, done); });
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(joined->last_seq, 4);
  EXPECT_EQ(sync.append(make_message(conversation_key(1, 2), "d1"))->seq, 1);
}

TEST(PostgresStoreOpen, NewerSchemaIsRefused) {
  PARLEY_REQUIRE_POSTGRES();
  TestDatabase db;
  ASSERT_TRUE(db.created()) << db.error();
  ASSERT_TRUE(PostgresStore::open(db.url()).ok());
  ASSERT_TRUE(testing::postgres_exec(db.url(), "INSERT INTO schema_version (version) VALUES (999)"));
  auto opened = PostgresStore::open(db.url());
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("999"), std::string::npos) << opened.error().message;
}

TEST(PostgresStoreOpen, UnreachableServerIsAClearError) {
  // Port 1 on loopback: nothing listens there. The test needs no server.
  const auto started = Clock::now();
  auto opened = PostgresStore::open("postgres://parley:s3cret@127.0.0.1:1/parley");
  ASSERT_FALSE(opened.ok());
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(opened.error().code, ErrorCode::unavailable);
  const std::string& message = opened.error().message;
  EXPECT_NE(message.find("postgres://parley@127.0.0.1:1/parley"), std::string::npos) << message;
  EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;  // no password in logs
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(PostgresStoreOpen, MissingDatabaseOrRoleIsAClearError) {
  PARLEY_REQUIRE_POSTGRES();
  auto no_database = PostgresStore::open(testing::with_database(testing::postgres_admin_url(), "no_such_db"));
  ASSERT_FALSE(no_database.ok());
  EXPECT_NE(no_database.error().message.find("no_such_db"), std::string::npos) << no_database.error().message;
  std::string url = testing::postgres_admin_url();
  url.replace(url.find("://postgres@"), 12, "://no_such_role@");
  auto no_role = PostgresStore::open(url);
  ASSERT_FALSE(no_role.ok());
  EXPECT_NE(no_role.error().message.find("no_such_role"), std::string::npos) << no_role.error().message;
}

// Runs `call` until it succeeds or `deadline` passes; answers the last result.
template <class T, class Call>
core::Result<T> retry_until(Clock::time_point deadline, Call&& call) {
  while (true) {
    core::Result<T> result = call();
    if (result.ok() || Clock::now() >= deadline) return result;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// The server stops under a running store and comes back: meanwhile every call answers `unavailable` quickly
// (no crash, no hang), and afterwards the store serves again on fresh connections, with nothing lost.
TEST(PostgresStoreOutage, AnswersUnavailableWhileTheServerIsDownAndRecovers) {
  PARLEY_REQUIRE_POSTGRES();
  if (ThrowawayServer::library().empty()) {
    GTEST_SKIP() << "PARLEY_TEST_POSTGRES_LIB is not set; run through scripts/with-postgres to test outages";
  }
  ThrowawayServer server;
  ASSERT_TRUE(server.started()) << "could not start a throwaway PostgreSQL with " << ThrowawayServer::library();
  PostgresOptions options;
  options.max_backoff = std::chrono::milliseconds(500);
  auto store = open_store(server.url(), options);
  ASSERT_NE(store, nullptr);
  SyncStore sync(*store);
  ASSERT_EQ(sync.append(make_message("r", "m1"))->seq, 1);
  ASSERT_TRUE(sync.create_user("alice").ok());

  ASSERT_TRUE(server.pause());
  const auto stopped = Clock::now();
  auto append = sync.append(make_message("r", "m2"));
  ASSERT_FALSE(append.ok());
  EXPECT_EQ(append.error().code, ErrorCode::unavailable) << append.error().message;
  auto ping = sync.ping();
  ASSERT_FALSE(ping.ok());
  EXPECT_EQ(ping.error().code, ErrorCode::unavailable) << ping.error().message;
  auto user = sync.find_user("alice");
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().code, ErrorCode::unavailable) << user.error().message;
  auto history = sync.after("r", 0, 10);
  ASSERT_FALSE(history.ok());
  EXPECT_EQ(history.error().code, ErrorCode::unavailable);
  // Many calls while down: all answered, none waits for the network.
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(sync.append(make_message("r", "down-" + std::to_string(i))).ok());
    EXPECT_FALSE(sync.ping().ok());
  }
  EXPECT_LT(Clock::now() - stopped, std::chrono::seconds(10));

  ASSERT_TRUE(server.resume());
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  auto pinged = retry_until<core::Unit>(deadline, [&] { return sync.ping(); });
  ASSERT_TRUE(pinged.ok()) << pinged.error().message;
  auto appended = retry_until<StoredMessage>(deadline, [&] { return sync.append(make_message("r", "m2")); });
  ASSERT_TRUE(appended.ok()) << appended.error().message;
  EXPECT_EQ(appended->seq, 2);  // nothing was half-written while the server was down
  auto found = sync.find_user("alice");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(seqs(*sync.after("r", 0, 10)), (std::vector<int64_t>{1, 2}));
}

}  // namespace
}  // namespace parley::store

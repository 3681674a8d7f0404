// The pieces of the pooled store skeleton both backends share, with fake backends: the reader pool's retry
// of a read whose connection broke, its answer once stopped, the writer's batches, commit count and
// connection state. The store contract suite (store_contract_test.cpp) runs the whole skeleton on both real
// backends.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/common/reader_pool.hpp"
#include "store/common/writer.hpp"
#include "store_test_util.hpp"

namespace parley::store {
namespace {

using core::ErrorCode;
using testing::wait_for;

// A reader whose connection breaks when told to, and which counts how often it was (re)connected.
struct FakeReadOps {
  int connections = 0;
};

class FakeReader {
 public:
  using Ops = FakeReadOps;

  core::Result<FakeReadOps*> get() {
    if (!connected_) {
      if (!can_reconnect) return core::Error{ErrorCode::unavailable, "down"};
      connected_ = true;
      ++ops_.connections;
    }
    return &ops_;
  }
  bool connected() const { return connected_; }
  void break_connection() { connected_ = false; }

  bool can_reconnect = true;

 private:
  bool connected_ = true;
  FakeReadOps ops_;
};

std::unique_ptr<common::ReaderPool<FakeReader>> start_pool(FakeReader*& reader) {
  auto pool = common::ReaderPool<FakeReader>::start(1, [&](int) {
    auto made = std::make_unique<FakeReader>();
    reader = made.get();
    return core::Result<std::unique_ptr<FakeReader>>(std::move(made));
  });
  EXPECT_TRUE(pool.ok());
  return std::move(*pool);
}

TEST(PooledStoreReaderPool, RetriesOnceOnAFreshConnectionWhenTheReadBrokeIt) {
  FakeReader* reader = nullptr;
  auto pool = start_pool(reader);
  int attempts = 0;
  auto result = wait_for<int>([&](Callback<int> done) {
    pool->submit<int>(
        [&](FakeReadOps& ops) -> core::Result<int> {
          if (++attempts == 1) {
            reader->break_connection();
            return core::Error{ErrorCode::unavailable, "connection lost"};
          }
          return ops.connections;
        },
        std::move(done));
  });
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, 1);  // the second attempt ran on the reopened connection
  EXPECT_EQ(attempts, 2);
}

TEST(PooledStoreReaderPool, DoesNotRetryAFailedReadOnAHealthyConnectionNorTwice) {
  FakeReader* reader = nullptr;
  auto pool = start_pool(reader);
  int attempts = 0;
  auto not_found = wait_for<int>([&](Callback<int> done) {
    pool->submit<int>(
        [&](FakeReadOps&) -> core::Result<int> {
          ++attempts;
          return core::Error{ErrorCode::not_found, "nothing"};
        },
        std::move(done));
  });
  EXPECT_EQ(not_found.error().code, ErrorCode::not_found);
  EXPECT_EQ(attempts, 1);

  attempts = 0;
  auto broken = wait_for<int>([&](Callback<int> done) {
    pool->submit<int>(
        [&](FakeReadOps&) -> core::Result<int> {
          ++attempts;
          reader->break_connection();
          return core::Error{ErrorCode::unavailable, "connection lost"};
        },
        std::move(done));
  });
  EXPECT_EQ(broken.error().code, ErrorCode::unavailable);
  EXPECT_EQ(attempts, 2);
}

TEST(PooledStoreReaderPool, AnswersUnavailableWithoutRunningWhenNoConnectionCanBeMade) {
  FakeReader* reader = nullptr;
  auto pool = start_pool(reader);
  reader->can_reconnect = false;
  reader->break_connection();
  bool ran = false;
  auto result = wait_for<int>([&](Callback<int> done) {
    pool->submit<int>([&](FakeReadOps&) -> core::Result<int> { ran = true; return 1; }, std::move(done));
  });
  EXPECT_EQ(result.error().code, ErrorCode::unavailable);
  EXPECT_FALSE(ran);
}

TEST(PooledStoreReaderPool, OnceStoppedAnswersUnavailableOnTheCallingThread) {
  FakeReader* reader = nullptr;
  auto pool = start_pool(reader);
  pool->stop();
  std::optional<core::Result<int>> answer;
  pool->submit<int>([](FakeReadOps&) -> core::Result<int> { return 1; },
                    [&](core::Result<int> result) { answer = std::move(result); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->error().code, ErrorCode::unavailable);
}

// A committer that commits every batch in one transaction and can be told its connection is gone.
struct FakeWriteOps {
  std::vector<std::string> ran;
};

class FakeCommitter {
 public:
  using Ops = FakeWriteOps;

  explicit FakeCommitter(std::shared_ptr<std::atomic<bool>> up) : up_(std::move(up)) {}
  uint64_t run_batch(std::vector<std::unique_ptr<common::WriteJob<FakeWriteOps>>>& jobs) {
    for (auto& job : jobs) job->run(ops_);
    return 1;
  }
  bool connected() const { return up_->load(); }

 private:
  std::shared_ptr<std::atomic<bool>> up_;
  FakeWriteOps ops_;
};

TEST(PooledStoreWriter, CountsTheCommitterCommitsAndReportsItsConnection) {
  auto up = std::make_shared<std::atomic<bool>>(true);
  auto writer = common::Writer<FakeCommitter>::start(FakeCommitter(up), 16);
  auto first = wait_for<int>([&](Callback<int> done) {
    writer->submit<int>([](FakeWriteOps& ops) -> core::Result<int> { ops.ran.push_back("a"); return 1; },
                        std::move(done));
  });
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(writer->commits(), 1u);
  EXPECT_TRUE(writer->connected());
  up->store(false);
  auto second = wait_for<int>([&](Callback<int> done) {
    writer->submit<int>([](FakeWriteOps& ops) -> core::Result<int> { return static_cast<int>(ops.ran.size()); },
                        std::move(done));
  });
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 1);
  writer->flush();
  EXPECT_EQ(writer->commits(), 2u);
  EXPECT_FALSE(writer->connected());  // as the committer reported after the last batch
  writer->stop();
  auto late = wait_for<int>([&](Callback<int> done) {
    writer->submit<int>([](FakeWriteOps&) -> core::Result<int> { return 1; }, std::move(done));
  });
  EXPECT_EQ(late.error().code, ErrorCode::unavailable);
}

}  // namespace
}  // namespace parley::store

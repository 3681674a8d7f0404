// FlushService: the order in which queued connections get written.
#include "net/flush_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <string>
#include <vector>

namespace parley::net {
namespace {

using Priority = FlushService::Priority;

// Records each flush in a shared log, by name.
class Recorder final : public Flushable {
 public:
  Recorder(std::string name, std::vector<std::string>& log) : name_(std::move(name)), log_(log) {}
  void flush() override { log_.push_back(name_); }

 private:
  std::string name_;
  std::vector<std::string>& log_;
};

class FlushServiceTest : public ::testing::Test {
 protected:
  std::shared_ptr<Recorder> connection(const std::string& name) {
    return std::make_shared<Recorder>(name, log);
  }
  void schedule(const std::string& name, Priority priority = Priority::fan_out) {
    service.schedule(io.get_executor(), connection(name), priority);
  }

  boost::asio::io_context io;
  FlushService& service = FlushService::of(io.get_executor());
  std::vector<std::string> log;
};

TEST_F(FlushServiceTest, FlushesEachScheduledConnectionOnceInOrder) {
  schedule("a");
  schedule("b");
  schedule("c");
  EXPECT_TRUE(log.empty()) << "flushes wait for the loop, after the caller's fan-out";
  io.run();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(FlushServiceTest, RepliesGoOutAheadOfQueuedFanOut) {
  schedule("member-1");
  schedule("member-2");
  schedule("sender", Priority::reply);
  io.run();
  EXPECT_EQ(log, (std::vector<std::string>{"sender", "member-1", "member-2"}));
}

TEST_F(FlushServiceTest, RepliesWaitTheirTurnOnceTheFanOutIsBehind) {
  service.set_max_lag(FlushService::Clock::duration::zero());
  schedule("member-1");
  schedule("sender", Priority::reply);
  schedule("member-2");
  io.run();
  EXPECT_EQ(log, (std::vector<std::string>{"member-1", "sender", "member-2"}));
}

TEST_F(FlushServiceTest, ALongSweepLetsOtherWorkOfTheLoopRunBetweenChunks) {
  const size_t members = FlushService::chunk * 3;
  for (size_t i = 0; i < members; ++i) schedule("member");
  // Posted after the sweep began: it must not wait for all of it.
  boost::asio::post(io, [&] {
    boost::asio::post(io, [&] { log.push_back("read"); });
  });
  io.run();
  ASSERT_EQ(log.size(), members + 1);
  size_t read_at = 0;
  while (log[read_at] != "read") ++read_at;
  EXPECT_GT(read_at, 0u);
  EXPECT_LT(read_at, members) << "the other handler ran only after the whole sweep";
}

TEST_F(FlushServiceTest, AReplyQueuedMidSweepJumpsTheRestOfIt) {
  const size_t members = FlushService::chunk * 3;
  for (size_t i = 0; i < members; ++i) schedule("member");
  boost::asio::post(io, [&] { schedule("sender", Priority::reply); });
  io.run();
  ASSERT_EQ(log.size(), members + 1);
  size_t sender_at = 0;
  while (log[sender_at] != "sender") ++sender_at;
  EXPECT_LE(sender_at, FlushService::chunk) << "the reply waited for more than the chunk in progress";
}

TEST_F(FlushServiceTest, AConnectionScheduledDuringItsFlushGetsALaterTurn) {
  struct Again final : Flushable {
    FlushService& service;
    boost::asio::io_context& io;
    std::vector<std::string>& log;
    std::weak_ptr<Again> self;
    int left = 2;
    Again(FlushService& s, boost::asio::io_context& i, std::vector<std::string>& l) : service(s), io(i), log(l) {}
    void flush() override {
      log.push_back("again");
      if (--left > 0) service.schedule(io.get_executor(), self.lock());
    }
  };
  auto again = std::make_shared<Again>(service, io, log);
  again->self = again;
  service.schedule(io.get_executor(), again);
  schedule("other");
  io.run();
  EXPECT_EQ(log, (std::vector<std::string>{"again", "other", "again"}));
}

}  // namespace
}  // namespace parley::net

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/error.hpp>
#include <string>

#include "chat/delivery.hpp"
#include "net/write_queue.hpp"

using parley::net::WriteQueue;

namespace {
struct SocketPair {
  int fds[2] = {-1, -1};
  SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0); }
  ~SocketPair() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  std::string read_all() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[1], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
};
}  // namespace

TEST(WriteQueue, WritesEverythingInOrderAndAnIdleQueueHoldsNoMemory) {
  SocketPair pair;
  WriteQueue queue;
  auto delivery = std::make_shared<parley::chat::Delivery>();
  delivery->native_ws_frame = "shared;";
  queue.push("one;");
  queue.push(delivery, delivery->native_ws_frame);
  for (int i = 0; i < 20; ++i) queue.push(std::to_string(i) + ";");  // past the first allocation
  EXPECT_GT(queue.capacity(), 0u);
  EXPECT_EQ(queue.bytes(), 4u + 7u + 10u * 2u + 10u * 3u);
  EXPECT_FALSE(queue.write_now(pair.fds[0]));
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
  EXPECT_EQ(queue.capacity(), 0u) << "a written queue gives its capacity back";
  std::string expected = "one;shared;";
  for (int i = 0; i < 20; ++i) expected += std::to_string(i) + ";";
  EXPECT_EQ(pair.read_all(), expected);
}

TEST(WriteQueue, ClearPendingKeepsAPartlyWrittenFrameAndNothingElse) {
  SocketPair pair;
  int size = 4096;  // a small send buffer, so that a big frame is written in part
  ::setsockopt(pair.fds[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  WriteQueue queue;
  const std::string big(1 << 20, 'x');
  queue.push(big);
  queue.push("after");
  EXPECT_EQ(queue.write_now(pair.fds[0]), boost::asio::error::would_block);
  queue.clear_pending();
  EXPECT_EQ(queue.bytes(), big.size()) << "the partly written frame still counts whole; the next one is gone";
  size_t got = 0;
  while (!queue.empty()) {
    got += pair.read_all().size();
    (void)queue.write_now(pair.fds[0]);
  }
  got += pair.read_all().size();
  EXPECT_EQ(got, big.size());
  EXPECT_EQ(queue.capacity(), 0u);
}

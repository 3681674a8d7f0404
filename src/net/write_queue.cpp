#include "net/write_queue.hpp"

#include <algorithm>
#include <array>
#include <span>

#include <boost/asio/error.hpp>
#include <cerrno>
#include <sys/socket.h>

namespace parley::net {

namespace {
// Entries a queue gets at once when it starts from nothing: a burst grows it by doubling from there.
constexpr size_t first_capacity = 8;
}  // namespace

void WriteQueue::push(const chat::DeliveryPtr& delivery, const std::string& frame) {
  if (queue_.capacity() == 0) queue_.reserve(first_capacity);
  bytes_ += static_cast<uint32_t>(frame.size());
  queue_.emplace_back(delivery, &frame);
}

void WriteQueue::push(std::string owned) {
  if (queue_.capacity() == 0) queue_.reserve(first_capacity);
  bytes_ += static_cast<uint32_t>(owned.size());
  queue_.push_back(std::make_shared<const std::string>(std::move(owned)));
}

namespace {
// Frames per sendmsg. Fan-out batches run to a hundred frames and more per connection, and the kernel's cost
// is per call far more than per byte: Asio's gather writes stop at 64 buffers, so the call is made here.
// IOV_MAX is 1024.
constexpr size_t max_frames_per_write = 512;
}  // namespace

boost::system::error_code WriteQueue::write_now(int fd) {
  std::array<iovec, max_frames_per_write> buffers;
  while (!empty()) {
    auto [count, total] = gather(buffers);
    msghdr message{};
    message.msg_iov = buffers.data();
    message.msg_iovlen = count;
    const ssize_t written = ::sendmsg(fd, &message, MSG_NOSIGNAL);
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return boost::asio::error::would_block;
      return {errno, boost::system::system_category()};
    }
    consume(static_cast<size_t>(written));
    // The socket buffer is full: trying again now would only answer EAGAIN.
    if (static_cast<size_t>(written) < total) return boost::asio::error::would_block;
  }
  return {};
}

std::pair<size_t, size_t> WriteQueue::gather(std::span<iovec> buffers) const {
  size_t count = 0, total = 0;
  for (size_t i = head_; i < queue_.size() && count < buffers.size(); ++i, ++count) {
    const std::string& b = *queue_[i];
    size_t skip = i == head_ ? offset_ : 0;
    buffers[count] = iovec{const_cast<char*>(b.data()) + skip, b.size() - skip};  // sendmsg does not write
    total += b.size() - skip;
  }
  return {count, total};
}

void WriteQueue::consume(size_t n) {
  while (n > 0) {
    Frame& frame = queue_[head_];
    size_t left = frame->size() - offset_;
    if (n < left) {
      offset_ += static_cast<uint32_t>(n);
      return;
    }
    n -= left;
    bytes_ -= static_cast<uint32_t>(frame->size());
    frame.reset();
    ++head_;
    offset_ = 0;
  }
  if (empty()) {
    // An idle connection holds no queue: what a burst grew is given back once it is written. Allocating it
    // again costs a small fraction of the write that follows (a write is a system call; a burst of n frames
    // grows it log2(n / 8) times), and this way no idle connection keeps the capacity of its biggest burst.
    head_ = 0;
    std::vector<Frame>().swap(queue_);  // (`queue_ = {}` would assign an empty list and keep the capacity)
  } else if (head_ >= 64 && head_ * 2 >= queue_.size()) {
    // A reader that never quite catches up: drop the written entries so the vector does not only grow.
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void WriteQueue::clear_pending() {
  size_t keep = head_ + (offset_ > 0 ? 1 : 0);
  for (size_t i = keep; i < queue_.size(); ++i) bytes_ -= static_cast<uint32_t>(queue_[i]->size());
  queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(keep), queue_.end());
  if (empty()) {
    head_ = 0;
    std::vector<Frame>().swap(queue_);
  }
}

}  // namespace parley::net

#include "net/write_queue.hpp"

#include <algorithm>
#include <array>
#include <span>

namespace parley::net {

void WriteQueue::push(chat::DeliveryPtr delivery) {
  bytes_ += frame_of_(*delivery).size();
  queue_.push_back({std::move(delivery), {}});
}

void WriteQueue::push(std::string owned) {
  bytes_ += owned.size();
  queue_.push_back({nullptr, std::move(owned)});
}

std::pair<size_t, size_t> WriteQueue::gather(std::span<boost::asio::const_buffer> buffers) const {
  size_t count = 0, total = 0;
  for (size_t i = head_; i < queue_.size() && count < buffers.size(); ++i, ++count) {
    const std::string& b = bytes_of(queue_[i]);
    size_t skip = i == head_ ? offset_ : 0;
    buffers[count] = boost::asio::const_buffer(b.data() + skip, b.size() - skip);
    total += b.size() - skip;
  }
  return {count, total};
}

void WriteQueue::consume(size_t n) {
  while (n > 0) {
    Entry& e = queue_[head_];
    size_t left = bytes_of(e).size() - offset_;
    if (n < left) {
      offset_ += static_cast<uint32_t>(n);
      return;
    }
    n -= left;
    bytes_ -= bytes_of(e).size();
    e = Entry{};
    ++head_;
    offset_ = 0;
  }
  if (empty()) {
    head_ = 0;
    queue_.clear();
    // Give back what a burst grew, so a connection that goes idle again stays small.
    if (queue_.capacity() > 64) queue_ = {};
  } else if (head_ >= 64 && head_ * 2 >= queue_.size()) {
    // A reader that never quite catches up: drop the written entries so the vector does not only grow.
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void WriteQueue::clear_pending() {
  size_t keep = head_ + (offset_ > 0 ? 1 : 0);
  for (size_t i = keep; i < queue_.size(); ++i) bytes_ -= bytes_of(queue_[i]).size();
  queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(keep), queue_.end());
  if (empty()) {
    head_ = 0;
    queue_.clear();
  }
}

}  // namespace parley::net

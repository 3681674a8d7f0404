#include "net/write_queue.hpp"

#include <algorithm>

namespace parley::net {

void WriteQueue::push(chat::DeliveryPtr delivery) {
  bytes_ += frame_of_(*delivery).size();
  queue_.push_back({std::move(delivery), {}});
}

void WriteQueue::push(std::string owned) {
  bytes_ += owned.size();
  queue_.push_back({nullptr, std::move(owned)});
}

const std::vector<boost::asio::const_buffer>& WriteQueue::start_batch(size_t max_frames) {
  buffers_.clear();
  batch_bytes_ = 0;
  size_t take = std::min(max_frames, queue_.size());
  for (size_t i = 0; i < take; ++i) batch_.push_back(std::move(queue_[i]));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
  // Buffers are taken only once batch_ stops growing: moving an owned string may move its bytes.
  for (const Entry& e : batch_) {
    const std::string& b = bytes_of(e);
    buffers_.emplace_back(b.data(), b.size());
    batch_bytes_ += b.size();
  }
  return buffers_;
}

void WriteQueue::finish_batch() {
  bytes_ -= batch_bytes_;
  batch_bytes_ = 0;
  batch_.clear();
  buffers_.clear();
  // Give back what a burst grew, so a connection that goes idle again stays small.
  if (queue_.empty() && queue_.capacity() > 64) queue_ = {};
  if (batch_.capacity() > 64) batch_ = {}, buffers_ = {};
}

void WriteQueue::clear_pending() {
  for (auto& e : queue_) bytes_ -= bytes_of(e).size();
  queue_.clear();
}

}  // namespace parley::net

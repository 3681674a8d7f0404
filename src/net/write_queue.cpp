#include "net/write_queue.hpp"

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
  while (!queue_.empty() && batch_.size() < max_frames) {
    batch_.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
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
}

void WriteQueue::clear_pending() {
  for (auto& e : queue_) bytes_ -= bytes_of(e).size();
  queue_.clear();
}

}  // namespace parley::net

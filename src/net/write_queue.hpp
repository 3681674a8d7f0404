#pragma once
// WriteQueue: the bounded outbound queue of one connection, written with one gather write per batch.
// Entries are whole wire frames: shared Delivery frames (never copied per recipient) or owned strings
// (replies). While one write is in flight, new entries wait and go out together in the next write.
// Thread safety: one per connection, used on the connection's loop only.
#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "chat/delivery.hpp"

namespace parley::net {

class WriteQueue {
 public:
  // Which frame of a Delivery this connection sends.
  using FrameOf = const std::string& (*)(const chat::Delivery&);

  explicit WriteQueue(FrameOf frame_of) : frame_of_(frame_of) {}

  void push(chat::DeliveryPtr delivery);
  void push(std::string owned);
  // Bytes queued and in flight.
  size_t bytes() const { return bytes_; }
  bool empty() const { return queue_.empty(); }
  bool writing() const { return !batch_.empty(); }
  // Moves up to `max_frames` queued entries into the in-flight batch and returns buffers over them.
  const std::vector<boost::asio::const_buffer>& start_batch(size_t max_frames = 512);
  // Releases the in-flight batch after its write completed.
  void finish_batch();
  // Drops everything not in flight (a connection being cut off).
  void clear_pending();

 private:
  struct Entry {
    chat::DeliveryPtr delivery;
    std::string owned;
  };
  const std::string& bytes_of(const Entry& e) const { return e.delivery ? frame_of_(*e.delivery) : e.owned; }

  FrameOf frame_of_;
  // A vector, not a deque: libstdc++'s deque allocates ~600 bytes even when empty, on every idle connection.
  std::vector<Entry> queue_;
  std::vector<Entry> batch_;
  std::vector<boost::asio::const_buffer> buffers_;
  size_t bytes_ = 0;
  size_t batch_bytes_ = 0;
};

}  // namespace parley::net

#pragma once
// WriteQueue: the bounded outbound queue of one connection, written with one gather write per flush.
// Entries are whole wire frames: shared Delivery frames (never copied per recipient) or owned strings
// (replies). write_now() sends what it can without blocking; a partly written frame stays at the front with
// its offset until the socket is writable again.
// Thread safety: one per connection, used on the connection's loop only.
#include <sys/uio.h>

#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <string>
#include <vector>

#include "chat/delivery.hpp"

namespace parley::net {

class WriteQueue {
 public:
  // Queues `frame`, one of the wire forms inside `delivery` (kept alive with it, never copied).
  void push(const chat::DeliveryPtr& delivery, const std::string& frame);
  void push(std::string owned);
  // Bytes queued (a partly written frame counts whole).
  size_t bytes() const { return bytes_; }
  bool empty() const { return head_ == queue_.size(); }
  // Entries allocated (an idle queue holds none).
  size_t capacity() const { return queue_.capacity(); }
  // Writes queued frames to a non-blocking socket in gather writes until the queue is empty (answers success)
  // or the socket takes no more (answers would_block: wait for writability and call again); else the error.
  template <class Socket>
  boost::system::error_code write_now(Socket& socket) {
    return write_now(socket.native_handle());
  }
  boost::system::error_code write_now(int fd);
  // Drops every queued frame except a partly written one, which must still go out whole.
  void clear_pending();

 private:
  // One whole wire frame: a frame inside a shared Delivery (an aliasing pointer that keeps the Delivery alive,
  // 16 bytes per entry) or an owned reply.
  using Frame = std::shared_ptr<const std::string>;
  // Releases `n` written bytes from the front.
  void consume(size_t n);
  // Fills `buffers` from the front of the queue; answers how many and their total size.
  std::pair<size_t, size_t> gather(std::span<iovec> buffers) const;

  // A vector, not a deque: libstdc++'s deque allocates ~600 bytes even when empty, on every idle connection.
  std::vector<Frame> queue_;
  // 32 bits each: the queue is bounded far below 4 Gi entries and 4 GiB (WsCore caps the limit at 2 GiB), and
  // the bytes saved keep every connection in a smaller malloc size class (the owner puts its flags in the 4
  // bytes of tail padding left).
  uint32_t head_ = 0;    // first unwritten entry
  uint32_t offset_ = 0;  // bytes of queue_[head_] already written
  uint32_t bytes_ = 0;
};

}  // namespace parley::net

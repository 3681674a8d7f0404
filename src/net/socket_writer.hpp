#pragma once
// SocketWriter: the write side of the WebSocket core (WsCore), for every codec on it: its
// bounded WriteQueue, when it gets written (by the loop's FlushService, replies ahead of fan-out), and the
// wait for writability when the socket takes less than what is queued. What a written batch means (a drain
// notification, a closing handshake) stays with the owner.
// Thread safety: one per connection, on its loop only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <utility>

#include "net/flush_service.hpp"
#include "net/write_queue.hpp"

namespace parley::net {

class SocketWriter {
 public:
  using Priority = FlushService::Priority;
  enum class Written {
    all,      // the queue is empty
    waiting,  // the socket took less; the owner waits for writability, then calls writable() and flushes
    failed,   // the socket failed: the owner ends the connection
    not_now,  // a wait for writability is pending: nothing was done
  };

  explicit SocketWriter(const boost::asio::any_io_executor& executor) : flusher_(FlushService::of(executor)) {}

  WriteQueue& queue() { return queue_; }
  const WriteQueue& queue() const { return queue_; }

  // Has the owner flushed soon: `owner()` makes the shared pointer the FlushService holds until then, only
  // when the owner is not on that list yet (a push costs no reference count then).
  template <class MakeOwner>
  void schedule(const boost::asio::any_io_executor& executor, Priority priority, MakeOwner&& owner) {
    bool& scheduled = priority == Priority::reply ? reply_scheduled_ : fan_out_scheduled_;
    if (scheduled || waiting_writable_) return;
    scheduled = true;
    flusher_.schedule(executor, owner(), priority);
  }

  // Writes what the socket `fd` (non-blocking) takes now (called from the owner's flush()). When it takes
  // less, answers waiting: the owner waits for writability and then calls writable() and flushes again.
  Written write(int fd) {
    fan_out_scheduled_ = reply_scheduled_ = false;
    if (waiting_writable_) return Written::not_now;
    boost::system::error_code ec = queue_.write_now(fd);
    if (ec == boost::asio::error::would_block) {
      waiting_writable_ = true;
      return Written::waiting;
    }
    return ec ? Written::failed : Written::all;
  }
  // The socket is writable again after Written::waiting.
  void writable() { waiting_writable_ = false; }
  bool waiting_writable() const { return waiting_writable_; }

 private:
  // The flags live in the queue's tail padding (no_unique_address lets them): 8 bytes less per connection.
  [[no_unique_address]] WriteQueue queue_;
  bool fan_out_scheduled_ = false;  // on the FlushService's fan-out list
  bool reply_scheduled_ = false;    // on its reply list
  bool waiting_writable_ = false;
  FlushService& flusher_;
};

}  // namespace parley::net

#pragma once
// ReadPoller: per event loop, the readiness of its WebSocket connections, in one epoll set of the poller's own
// that asio waits on as one descriptor. A socket registered with asio's reactor costs its descriptor state
// (~170 bytes, for the socket's life) and, to hear of input, a pending wait operation (~110 bytes): on an
// idle connection that was a fifth of what it held. Here a connection costs a 16-byte slot.
//
// Each socket is in the set edge-triggered for input and output, as in asio's own reactor (no epoll_ctl per
// blocked write): on readiness the poller calls Pollable::on_poll_ready() with the epoll events (EPOLLIN,
// EPOLLOUT, EPOLLERR, EPOLLHUP) of each ready connection. A connection reads until the socket is drained (a
// read shorter than asked for), or asks to be called again (again()) after a few reads: the poller does so
// on a later turn, so one busy socket never holds up the loop. A full batch is followed by another poll on a
// later turn; the poller waits (asio's reactor watches the set, edge-triggered too) only when nothing is left.
// An asio service, so it lives and dies with its io_context; at shutdown it releases every owner.
// Thread safety: one per io_context; every function runs on that loop's thread.
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

namespace parley::net {

// A connection the poller watches.
class Pollable {
 public:
  // Readiness of the connection's socket: a mask of EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP.
  virtual void on_poll_ready(uint32_t events) = 0;

 protected:
  ~Pollable() = default;

 private:
  friend class ReadPoller;
  static constexpr uint32_t no_slot = std::numeric_limits<uint32_t>::max();
  uint32_t poll_slot_ = no_slot;
  uint32_t poll_generation_ = 0;  // tells this owner's events from those of the slot's earlier owners
};

class ReadPoller final : public boost::asio::execution_context::service {
 public:
  using LoopExecutor = boost::asio::io_context::executor_type;
  static inline boost::asio::execution_context::id id;

  explicit ReadPoller(boost::asio::execution_context& context);
  ~ReadPoller() override;
  // The poller of the io_context behind `executor` (created on first use).
  static ReadPoller& of(const LoopExecutor& executor);

  // Watches `fd` for input and output on behalf of `owner`, which it keeps alive until remove(). False
  // (errno set) if epoll refuses the descriptor.
  bool add(const LoopExecutor& executor, int fd, std::shared_ptr<Pollable> owner);
  // Calls item.on_poll_ready(EPOLLIN) again on a later turn (it left input unread).
  void again(Pollable& item);
  // Stops watching `fd` (call before closing it); the owner is released on a later turn, never inside the
  // caller. Harmless if `item` is not watched.
  void remove(Pollable& item, int fd);
  // Connections watched (for tests and /metrics).
  size_t size() const { return slots_.size() - free_.size(); }

 private:
  using Slot = std::shared_ptr<Pollable>;  // the owner; null when free
  void shutdown() override;
  void arm();
  void run();

  int epoll_fd_ = -1;
  std::optional<boost::asio::posix::basic_stream_descriptor<LoopExecutor>> set_;  // epoll_fd_, in asio's reactor
  std::deque<Slot> slots_;  // grows by 512-byte blocks, not by doubling
  std::vector<uint32_t> free_;
  std::vector<uint64_t> again_;  // slots (with their generation) to call again
  uint32_t next_generation_ = 0;
  bool armed_ = false;   // a wait on the set is pending
  bool posted_ = false;  // a run() is posted
  bool shut_down_ = false;
};

}  // namespace parley::net

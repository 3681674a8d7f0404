#pragma once
// ExpiryService: per event loop, one deadline per connection (its token's expiry: close 4001; for native
// connections the earlier of that and the heartbeat's next step), with one timer for the whole loop instead of
// a timer and a pending wait in each connection (~0.8 KB per idle connection with asio's recycled handler
// blocks). Connections wait in a min-heap by deadline; each knows its slot, so one that closes leaves the heap
// at once, and one may wait again (add) from its own on_expired().
// An asio service, so it lives and dies with its io_context.
// Thread safety: one per io_context; every function runs on that loop's thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <vector>

namespace parley::net {

// A connection whose token expires.
class Expiring {
 public:
  // The deadline has passed (on the loop, from the service's timer; the item no longer waits): close the
  // connection, or do what was due and add() it again with a later deadline.
  virtual void on_expired() = 0;

 protected:
  ~Expiring() = default;

 private:
  friend class ExpiryService;
  static constexpr uint32_t no_slot = std::numeric_limits<uint32_t>::max();
  uint32_t expiry_slot_ = no_slot;
};

class ExpiryService final : public boost::asio::execution_context::service {
 public:
  static inline boost::asio::execution_context::id id;

  explicit ExpiryService(boost::asio::execution_context& context) : service(context) {}
  // The service of the io_context behind `executor` (created on first use).
  static ExpiryService& of(const boost::asio::any_io_executor& executor);

  // Calls item.on_expired() once `expires_at_ms` (ms since the epoch) has passed, unless removed first.
  void add(const boost::asio::any_io_executor& executor, Expiring& item, int64_t expires_at_ms);
  // Forgets `item` (closed); harmless if it is not waiting.
  void remove(Expiring& item);

 private:
  struct Entry {
    int64_t at_ms;
    Expiring* item;
  };
  void shutdown() override;
  void place(size_t slot, Entry entry);
  void sift_up(size_t slot);
  void sift_down(size_t slot);
  void erase(size_t slot);
  void arm();
  void on_timer();

  // Min-heap by at_ms; heap_[i].item->expiry_slot_ == i. A deque: it grows by 512-byte blocks, not by
  // doubling, so it holds about 16 bytes per connection rather than up to 32.
  std::deque<Entry> heap_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  int64_t armed_at_ms_ = std::numeric_limits<int64_t>::max();
  bool shut_down_ = false;
  bool firing_ = false;  // in on_timer(): it re-arms once at the end
};

}  // namespace parley::net

#include "net/expiry_service.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>
#include <chrono>

#include "core/clock.hpp"

namespace parley::net {

namespace asio = boost::asio;

ExpiryService& ExpiryService::of(const asio::any_io_executor& executor) {
  return asio::use_service<ExpiryService>(asio::query(executor, asio::execution::context));
}

void ExpiryService::add(const asio::any_io_executor& executor, Expiring& item, int64_t expires_at_ms) {
  if (shut_down_) return;
  remove(item);
  if (!timer_) timer_ = std::make_unique<asio::steady_timer>(executor);
  heap_.push_back({});
  place(heap_.size() - 1, {expires_at_ms, &item});
  sift_up(heap_.size() - 1);
  if (!firing_ && heap_.front().at_ms < armed_at_ms_) arm();
}

void ExpiryService::remove(Expiring& item) {
  if (item.expiry_slot_ == Expiring::no_slot || shut_down_) return;
  erase(item.expiry_slot_);
}

void ExpiryService::place(size_t slot, Entry entry) {
  heap_[slot] = entry;
  entry.item->expiry_slot_ = static_cast<uint32_t>(slot);
}

void ExpiryService::sift_up(size_t slot) {
  Entry entry = heap_[slot];
  while (slot > 0) {
    size_t parent = (slot - 1) / 2;
    if (heap_[parent].at_ms <= entry.at_ms) break;
    place(slot, heap_[parent]);
    slot = parent;
  }
  place(slot, entry);
}

void ExpiryService::sift_down(size_t slot) {
  Entry entry = heap_[slot];
  const size_t n = heap_.size();
  while (true) {
    size_t child = 2 * slot + 1;
    if (child >= n) break;
    if (child + 1 < n && heap_[child + 1].at_ms < heap_[child].at_ms) ++child;
    if (entry.at_ms <= heap_[child].at_ms) break;
    place(slot, heap_[child]);
    slot = child;
  }
  place(slot, entry);
}

void ExpiryService::erase(size_t slot) {
  heap_[slot].item->expiry_slot_ = Expiring::no_slot;
  Entry last = heap_.back();
  heap_.pop_back();
  if (slot < heap_.size()) {
    place(slot, last);
    sift_up(slot);
    sift_down(last.item->expiry_slot_);
  }
  // Give back what a burst of connections grew.
  if (heap_.empty()) heap_.shrink_to_fit();
}

// The timer waits for the earliest expiry; a later one never moves it (on_timer re-arms).
void ExpiryService::arm() {
  armed_at_ms_ = heap_.front().at_ms;
  timer_->expires_after(std::chrono::milliseconds(std::max<int64_t>(armed_at_ms_ - core::now_ms(), 0)));
  timer_->async_wait([this](boost::system::error_code ec) {
    if (!ec) on_timer();
  });
}

void ExpiryService::on_timer() {
  armed_at_ms_ = std::numeric_limits<int64_t>::max();
  const int64_t now = core::now_ms();
  firing_ = true;
  while (!heap_.empty() && heap_.front().at_ms <= now) {
    Expiring* item = heap_.front().item;
    erase(0);
    item->on_expired();  // queues a close, or add()s the item again with a deadline after `now`
  }
  firing_ = false;
  if (!heap_.empty()) arm();
}

void ExpiryService::shutdown() {
  shut_down_ = true;
  for (Entry& e : heap_) e.item->expiry_slot_ = Expiring::no_slot;
  heap_.clear();
  timer_.reset();
}

}  // namespace parley::net

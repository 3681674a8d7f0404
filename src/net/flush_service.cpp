#include "net/flush_service.hpp"

#include <algorithm>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

namespace parley::net {

namespace asio = boost::asio;

FlushService& FlushService::of(const asio::any_io_executor& executor) {
  return asio::use_service<FlushService>(asio::query(executor, asio::execution::context));
}

void FlushService::schedule(const asio::any_io_executor& executor, std::shared_ptr<Flushable> connection,
                            Priority priority) {
  const Clock::time_point now = Clock::now();
  const bool jump = priority == Priority::reply && (!fan_out_waiting() || now - oldest_fan_out() < max_lag_);
  if (jump) {
    replies_.push_back(std::move(connection));
  } else {
    if (fan_out_.empty()) fan_out_since_ = now;
    fan_out_.push_back(std::move(connection));
  }
  if (posted_) return;
  posted_ = true;
  executor_ = executor;
  asio::post(executor_, [this] { run(); });
}

void FlushService::run() {
  // A flush may schedule again (a partial write is not rescheduled here, it waits for writability): that
  // lands in the lists and gets a later turn.
  replies_running_.swap(replies_);
  for (auto& connection : replies_running_) connection->flush();
  replies_running_.clear();

  if (next_ == sweep_.size()) {
    sweep_.clear();
    if (sweep_.capacity() > 4096) List().swap(sweep_);
    next_ = 0;
    sweep_.swap(fan_out_);
    sweep_since_ = fan_out_since_;
  }
  const size_t end = std::min(sweep_.size(), next_ + chunk);
  while (next_ < end) {
    auto connection = std::move(sweep_[next_++]);
    connection->flush();
  }
  if (fan_out_waiting() || !replies_.empty()) {
    asio::post(executor_, [this] { run(); });
    return;
  }
  posted_ = false;
  // Nothing waits: a burst (thousands connecting and joining at once) would otherwise leave its capacity
  // behind, 16 bytes per connection in each list; the next burst allocates again, once per list.
  sweep_.clear();  // every entry was flushed (moved from)
  next_ = 0;
  for (List* list : {&fan_out_, &sweep_, &replies_, &replies_running_})
    if (list->capacity() > 256) List().swap(*list);
}

void FlushService::shutdown() {
  fan_out_.clear();
  sweep_.clear();
  next_ = 0;
  replies_.clear();
  replies_running_.clear();
}

}  // namespace parley::net

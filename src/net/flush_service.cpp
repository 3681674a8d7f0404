#include "net/flush_service.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

namespace parley::net {

namespace asio = boost::asio;

FlushService& FlushService::of(const asio::any_io_executor& executor) {
  return asio::use_service<FlushService>(asio::query(executor, asio::execution::context));
}

void FlushService::schedule(const asio::any_io_executor& executor, std::shared_ptr<Flushable> connection) {
  dirty_.push_back(std::move(connection));
  if (posted_) return;
  posted_ = true;
  asio::post(executor, [this] { run(); });
}

void FlushService::run() {
  posted_ = false;
  running_.swap(dirty_);
  // A flush may schedule again (a partial write is not rescheduled here, it waits for writability): those
  // land in dirty_ and get their own turn.
  for (auto& connection : running_) connection->flush();
  running_.clear();
  if (running_.capacity() > 4096) running_ = {};
}

void FlushService::shutdown() {
  dirty_.clear();
  running_.clear();
}

}  // namespace parley::net

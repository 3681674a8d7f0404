#include "store/postgres/reader_pool.hpp"

#include <algorithm>

namespace parley::store::postgres {

core::Result<std::unique_ptr<ReaderPool>> ReaderPool::start(const std::string& url, int count,
                                                            LinkOptions options) {
  std::unique_ptr<ReaderPool> pool(new ReaderPool());
  for (int i = 0; i < std::max(count, 1); ++i) {
    auto link = std::make_unique<Link<ReadOps>>(url, options, "reader " + std::to_string(i + 1));
    if (auto opened = link->open(); !opened) return opened.error();
    pool->links_.push_back(std::move(link));
  }
  for (const std::unique_ptr<Link<ReadOps>>& link : pool->links_) {
    pool->threads_.emplace_back([p = pool.get(), l = link.get()] { p->run(*l); });
  }
  return pool;
}

ReaderPool::~ReaderPool() { stop(); }

void ReaderPool::stop() {
  queue_.close();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void ReaderPool::run(Link<ReadOps>& link) {
  while (true) {
    common::JobQueue<Job>::Batch batch = queue_.pop(1);
    if (batch.jobs.empty()) return;
    for (Job& job : batch.jobs) job(&link);
    batch.jobs.clear();
    queue_.finish(batch);
  }
}

}  // namespace parley::store::postgres

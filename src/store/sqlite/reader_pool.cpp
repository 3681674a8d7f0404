#include "store/sqlite/reader_pool.hpp"

#include <sqlite3.h>

namespace parley::store::sqlite {

core::Result<std::unique_ptr<ReaderPool>> ReaderPool::start(const std::string& path, int count,
                                                            int busy_timeout_ms) {
  std::unique_ptr<ReaderPool> pool(new ReaderPool());
  for (int i = 0; i < std::max(count, 1); ++i) {
    core::Result<Connection> connection =
        Connection::open(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, busy_timeout_ms);
    if (!connection) return connection.error();
    core::Result<ReadOps> ops = ReadOps::prepare(*connection);
    if (!ops) return ops.error();
    pool->readers_.push_back(std::make_unique<Reader>(Reader{std::move(*connection), std::move(*ops)}));
  }
  for (const std::unique_ptr<Reader>& reader : pool->readers_) {
    pool->threads_.emplace_back([p = pool.get(), r = reader.get()] { p->run(*r); });
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

void ReaderPool::run(Reader& reader) {
  while (true) {
    common::JobQueue<Job>::Batch batch = queue_.pop(1);
    if (batch.jobs.empty()) return;
    for (Job& job : batch.jobs) job(&reader.ops);
    batch.jobs.clear();
    queue_.finish(batch);
  }
}

}  // namespace parley::store::sqlite

#include "store/sqlite/checkpointer.hpp"

#include <sqlite3.h>
#include <spdlog/spdlog.h>

namespace parley::store::sqlite {

core::Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const std::string& path, int busy_timeout_ms,
                                                                std::chrono::milliseconds every) {
  core::Result<Connection> connection =
      Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, busy_timeout_ms);
  if (!connection) return connection.error();
  // A connection learns that the file is in WAL mode when it first reads it; until then a checkpoint does
  // nothing (and says so with -1 frames).
  core::Result<Statement> mode = connection->prepare("PRAGMA journal_mode");
  if (!mode) return mode.error();
  Query query(*mode);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  if (!*row || query.text(0) != "wal")
    return core::Error{core::ErrorCode::internal, "the checkpointer needs a database in WAL mode"};
  std::unique_ptr<Checkpointer> checkpointer(new Checkpointer(std::move(*connection), every));
  checkpointer->thread_ = std::thread([c = checkpointer.get()] { c->run(); });
  return checkpointer;
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t Checkpointer::complete_checkpoints() const {
  std::lock_guard lock(mutex_);
  return complete_;
}

void Checkpointer::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, every_, [&] { return stopping_; })) {
    lock.unlock();
    int log_frames = 0, copied_frames = 0;
    const int rc = sqlite3_wal_checkpoint_v2(connection_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                             &copied_frames);
    // BUSY: the writer's own backstop checkpoint is running; the next turn tries again.
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
      spdlog::warn("sqlite checkpoint failed: {}", make_error(rc, "checkpoint", sqlite3_errmsg(connection_.get())).message);
    lock.lock();
    if (rc == SQLITE_OK && log_frames >= 0 && copied_frames == log_frames) ++complete_;
  }
}

}  // namespace parley::store::sqlite

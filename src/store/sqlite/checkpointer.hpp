#pragma once
// Checkpointer: copies the write-ahead log back into the database file on a thread and connection of its own,
// so that the writer's commits never wait for it. By default SQLite checkpoints inside the commit that takes
// the log past 1,000 pages: that commit (and every job batched behind it) then waits for the copy and the
// database file's fsync, which under a sustained stream of messages left the writer idle on I/O about a third
// of the time (bench/README.md). Here the writer only checkpoints as a backstop, should this thread fall far
// behind (wal_autocheckpoint, set by SqliteStore::open), and this thread runs a PASSIVE checkpoint (one that
// never blocks a reader or the writer) every `every`.
// Thread safety: construct and destroy on one thread; the work runs on the checkpointer's own thread.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "store/sqlite/connection.hpp"

namespace parley::store::sqlite {

class Checkpointer {
 public:
  // Opens its connection to `path` (a database in WAL mode) and starts the thread.
  static core::Result<std::unique_ptr<Checkpointer>> start(const std::string& path, int busy_timeout_ms,
                                                           std::chrono::milliseconds every);
  // Stops the thread (after the checkpoint in progress, if any).
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Checkpoints that copied every frame of the log so far (for tests and /metrics-style checks).
  uint64_t complete_checkpoints() const;

 private:
  Checkpointer(Connection connection, std::chrono::milliseconds every)
      : connection_(std::move(connection)), every_(every) {}
  void run();

  Connection connection_;
  std::chrono::milliseconds every_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  uint64_t complete_ = 0;
  std::thread thread_;
};

}  // namespace parley::store::sqlite

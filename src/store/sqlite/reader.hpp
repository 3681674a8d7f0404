#pragma once
// One reader of a SqliteStore: a read-only connection and the read statements prepared on it, owned by one
// thread of the store's ReaderPool (store/common/reader_pool.hpp). In WAL mode readers read committed data
// concurrently with the writer and never block it. A local file does not break like a network connection:
// get() always answers the statements and connected() is always true, so no read is retried.
// Thread safety: none; a Reader belongs to one reader thread.
#include <memory>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/read_ops.hpp"

namespace parley::store::sqlite {

class Reader {
 public:
  using Ops = ReadOps;

  // Opens a read-only connection to `path` (whose schema must exist) and prepares the read statements.
  static core::Result<std::unique_ptr<Reader>> open(const std::string& path, int busy_timeout_ms);

  // The read statements.
  core::Result<ReadOps*> get() { return &ops_; }
  bool connected() const { return true; }

  // Whether a write may still succeed after a read failed with `error`: always, since a failed read (say a
  // lock held past the busy timeout) says nothing of the writer's connection.
  static bool writer_may_succeed_after(const core::Error& /*error*/) { return true; }

 private:
  Reader(Connection connection, ReadOps ops) : connection_(std::move(connection)), ops_(std::move(ops)) {}

  Connection connection_;  // declared first: destroyed after the statements of `ops_`
  ReadOps ops_;
};

}  // namespace parley::store::sqlite

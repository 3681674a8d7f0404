#pragma once
// SqliteStore: the Store of a single node, an embedded SQLite file in WAL mode.
//
// The pooled store skeleton (common/pooled_store.hpp) over SQLite: one writer thread owns the only write
// connection and commits every write waiting in its queue in one transaction (group commit,
// synchronous=FULL, so a callback only ever reports durable data; sqlite/committer.hpp). Reader threads with
// read-only connections serve lookups and history without waiting for the writer. See store.hpp for the
// contract; src/store/sqlite/ holds the SQL and the connections.
// Thread safety: all methods may be called from any thread concurrently, except that flush() and the
// destructor must not be called from inside a store callback (they wait for the store's own threads).
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "store/common/pooled_store.hpp"

namespace parley::store {

namespace sqlite {
class Reader;
class Committer;
class Checkpointer;
}  // namespace sqlite

// Tuning of SqliteStore; the defaults suit a single node.
// Thread safety: a plain value.
struct SqliteOptions {
  int readers = 2;             // read-only connections, one thread each
  int busy_timeout_ms = 5000;  // how long a connection waits for a lock held by another process
  size_t max_batch = 4096;     // the most write jobs committed in one transaction
  // How often the checkpointer copies the write-ahead log into the database file (sqlite/checkpointer.hpp).
  std::chrono::milliseconds checkpoint_every{200};
};

class SqliteStore final : public common::PooledStore<sqlite::Reader, sqlite::Committer> {
 public:
  // Opens (creating if needed) the database file at `path` (a filesystem path, without any `sqlite:` prefix),
  // switches it to WAL, applies pending schema migrations and starts the store threads. Answers an error with
  // a readable message when the path cannot be opened, is not a database, or has a newer schema.
  static core::Result<std::unique_ptr<SqliteStore>> open(const std::string& path, SqliteOptions options = {});
  ~SqliteStore() override;

 private:
  SqliteStore(std::unique_ptr<Readers> readers, std::unique_ptr<Writes> writes,
              std::unique_ptr<sqlite::Checkpointer> checkpointer);

  std::unique_ptr<sqlite::Checkpointer> checkpointer_;
};

}  // namespace parley::store

#pragma once
// PostgresStore: the shared durable Store of a Parley cluster, on PostgreSQL through libpq.
//
// The pooled store skeleton (common/pooled_store.hpp) over PostgreSQL. libpq runs on the store's own
// threads, never on a network loop. One writer thread owns the write connection and commits every write
// waiting in its queue in one transaction (group commit, synchronous_commit on, a SAVEPOINT per job, row
// locks taken in one order; postgres/committer.hpp), so a callback only ever reports committed data. A small
// pool of reader threads, one connection each, serves lookups and history. Statements are prepared once per
// connection.
//
// Several nodes may append to one room at the same time: the seq comes from an upsert on the room's row
// (`last_seq = rooms.last_seq + 1 … RETURNING last_seq`) in the same transaction as the message, so seqs are
// gapless and unique cluster-wide. Schema migrations run at open() under pg_advisory_lock, so nodes may start
// together.
//
// When the server goes away, calls answer `unavailable` (at once, without waiting for the network) and the
// connections are reopened with backoff (postgres/link.hpp); ping() reports it. See store.hpp for the
// contract; src/store/postgres/ holds the SQL and the connections.
// Thread safety: all methods may be called from any thread concurrently, except that flush() and the
// destructor must not be called from inside a store callback (they wait for the store's own threads).
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "store/common/pooled_store.hpp"

namespace parley::store {

namespace postgres {
class ReadOps;
template <class Statements>
class Link;
using Reader = Link<ReadOps>;  // a reader: a self-healing connection with the read statements
class Committer;
}  // namespace postgres

// Tuning of PostgresStore; the defaults suit a node of a small cluster.
// Thread safety: a plain value.
struct PostgresOptions {
  int readers = 2;                                // read connections, one thread each
  size_t max_batch = 1024;                        // the most write jobs committed in one transaction
  int connect_timeout_s = 5;                      // how long one connection attempt may take
  std::chrono::milliseconds min_backoff{100};     // first wait between reconnection attempts…
  std::chrono::milliseconds max_backoff{2000};    // …doubling up to this
};

class PostgresStore final : public common::PooledStore<postgres::Reader, postgres::Committer> {
 public:
  // Connects to `url` (postgres://user@host:port/db, postgresql://…, or a libpq key=value conninfo), applies
  // pending schema migrations and starts the store threads. Answers an error with one readable line (the URL
  // without its password, and the server's reason) when the server is unreachable, refuses the credentials, or
  // holds a newer schema.
  static core::Result<std::unique_ptr<PostgresStore>> open(const std::string& url, PostgresOptions options = {});

 private:
  using PooledStore::PooledStore;
};

}  // namespace parley::store

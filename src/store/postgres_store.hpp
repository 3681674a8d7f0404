#pragma once
// PostgresStore: the shared durable Store of a Parley cluster, on PostgreSQL through libpq.
//
// libpq runs on the store's own threads, never on a network loop. One writer thread owns the write connection
// and commits every write waiting in its queue in one transaction (group commit, synchronous_commit on, a
// SAVEPOINT per job), so a callback only ever reports committed data. A small pool of reader threads, one
// connection each, serves lookups and history. Statements are prepared once per connection.
//
// Several nodes may append to one room at the same time: the seq comes from an upsert on the room's row
// (`last_seq = rooms.last_seq + 1 … RETURNING last_seq`) in the same transaction as the message, so seqs are
// gapless and unique cluster-wide. Schema migrations run at open() under pg_advisory_lock, so nodes may start
// together.
//
// When the server goes away, calls answer `unavailable` (at once, without waiting for the network) and the
// connections are reopened with backoff; ping() reports it. See store.hpp for the contract; src/store/postgres/
// holds the pieces.
// Thread safety: all methods may be called from any thread concurrently, except that flush() and the
// destructor must not be called from inside a store callback (they wait for the store's own threads).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "store/store.hpp"

namespace parley::store {

namespace postgres {
class Writer;
class ReaderPool;
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

class PostgresStore final : public Store {
 public:
  // Connects to `url` (postgres://user@host:port/db, postgresql://…, or a libpq key=value conninfo), applies
  // pending schema migrations and starts the store threads. Answers an error with one readable line (the URL
  // without its password, and the server's reason) when the server is unreachable, refuses the credentials, or
  // holds a newer schema.
  static core::Result<std::unique_ptr<PostgresStore>> open(const std::string& url, PostgresOptions options = {});

  // Flushes, then stops and joins the store threads.
  ~PostgresStore() override;

  void create_user(std::string username, std::string password_hash, Callback<User> done) override;
  void find_user(std::string username, Callback<UserCredentials> done) override;
  void find_user_by_id(int64_t id, Callback<User> done) override;
  void ensure_room(std::string room, Callback<int64_t> done) override;
  void list_rooms(std::string after, int limit, Callback<std::vector<std::string>> done) override;
  void append_message(NewMessage message, Callback<StoredMessage> done) override;
  // `limit` is clamped to [1, 1000].
  void messages_before(std::string room, std::optional<int64_t> before, int limit,
                       Callback<std::vector<StoredMessage>> done) override;
  // `limit` is clamped to [1, 1000].
  void messages_after(std::string room, int64_t after, int limit,
                      Callback<std::vector<StoredMessage>> done) override;
  // Answers ok when a reader can run a query and the writer's connection is up (a writer that lost its
  // connection is asked to reconnect first).
  void join_room(int64_t user_id, std::string room, int64_t max_created, Callback<RoomJoin> done) override;
  void leave_room(int64_t user_id, std::string room, Callback<core::Unit> done) override;
  void user_rooms(int64_t user_id, Callback<std::vector<ReadState>> done) override;
  void conversations(int64_t user_id, Callback<std::vector<Conversation>> done) override;
  void mark_read(int64_t user_id, std::string room, int64_t seq, Callback<int64_t> done) override;
  void prune_idempotency_keys(int64_t cutoff_ms, Callback<int64_t> done) override;
  void keep_setting(std::string name, std::string value_if_absent, Callback<std::string> done) override;
  void ping(Callback<core::Unit> done) override;
  // Blocks until every read and write queued before has completed and its callback has run.
  void flush() override;

  // How many write transactions have committed since open (one per group-committed batch).
  uint64_t commits() const;

 private:
  PostgresStore(std::unique_ptr<postgres::Writer> writer, std::unique_ptr<postgres::ReaderPool> readers);

  std::unique_ptr<postgres::Writer> writer_;
  std::unique_ptr<postgres::ReaderPool> readers_;
};

}  // namespace parley::store

#pragma once
// SqliteStore: the Store of a single node, an embedded SQLite file in WAL mode.
//
// One writer thread owns the only write connection and commits every write waiting in its queue in one
// transaction (group commit, synchronous=FULL, so a callback only ever reports durable data). Reader threads
// with read-only connections serve lookups and history without waiting for the writer. See store.hpp for the
// contract; src/store/sqlite/ holds the pieces.
// Thread safety: all methods may be called from any thread concurrently, except that flush() and the
// destructor must not be called from inside a store callback (they wait for the store's own threads).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "store/store.hpp"

namespace parley::store {

namespace sqlite {
class Writer;
class ReaderPool;
}  // namespace sqlite

// Tuning of SqliteStore; the defaults suit a single node.
// Thread safety: a plain value.
struct SqliteOptions {
  int readers = 2;             // read-only connections, one thread each
  int busy_timeout_ms = 5000;  // how long a connection waits for a lock held by another process
  size_t max_batch = 4096;     // the most write jobs committed in one transaction
};

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) the database file at `path` (a filesystem path, without any `sqlite:` prefix),
  // switches it to WAL, applies pending schema migrations and starts the store threads. Answers an error with
  // a readable message when the path cannot be opened, is not a database, or has a newer schema.
  static core::Result<std::unique_ptr<SqliteStore>> open(const std::string& path, SqliteOptions options = {});

  // Flushes, then stops and joins the store threads.
  ~SqliteStore() override;

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
  SqliteStore(std::unique_ptr<sqlite::Writer> writer, std::unique_ptr<sqlite::ReaderPool> readers);

  std::unique_ptr<sqlite::Writer> writer_;
  std::unique_ptr<sqlite::ReaderPool> readers_;
};

}  // namespace parley::store

#pragma once
// PooledStore: the Store skeleton both backends share. Reads go to a pool of reader threads (ReaderPool, one
// connection each), writes to one group-committing writer thread (Writer); every Store method is forwarded to
// the backend's statements on one or the other. The backend supplies only its SQL and its connections:
//
// - `Reader` (see common/reader_pool.hpp): one reader's connection and read statements (`Reader::Ops`), plus
//   `static bool writer_may_succeed_after(const core::Error&)`: whether ensure_room and join_room still queue
//   their write after their read failed that way.
// - `Committer` (see common/writer.hpp): the writer's connection, write statements (`Committer::Ops`) and
//   transaction behaviour, plus the keys and savepoints it wants of each job: `static std::string
//   room_lock(const std::string&)`, `user_lock(const std::string&)`, `static constexpr Savepoint
//   kOneStatement` (what a job of one statement needs) and `static Savepoint append_savepoint(const
//   NewMessage&)`.
//
// Both statement sets answer the calls below by the same names (find_user, room_last_seq, known_join, …).
//
// The member definitions are in pooled_store_impl.hpp, which a backend's store includes once to instantiate
// the skeleton (`template class common::PooledStore<Reader, Committer>;`); this header needs neither type
// complete.
// Thread safety: all methods may be called from any thread concurrently, except that flush() and the
// destructor must not be called from inside a store callback (they wait for the store's own threads).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/store.hpp"

namespace parley::store::common {

template <class Reader>
class ReaderPool;
template <class Committer>
class Writer;

template <class Reader, class Committer>
class PooledStore : public Store {
 public:
  using Readers = ReaderPool<Reader>;
  using Writes = Writer<Committer>;

  // Flushes, then stops the readers and then the writer (a read may still hand its write to the writer) and
  // joins their threads.
  ~PooledStore() override;

  void create_user(std::string username, std::string password_hash, Callback<User> done) override;
  void find_user(std::string username, Callback<UserCredentials> done) override;
  void find_user_by_id(int64_t id, Callback<User> done) override;
  // Reads first; queues a write (behind the appends) only when the room does not exist yet.
  void ensure_room(std::string room, Callback<int64_t> done) override;
  void list_rooms(std::string after, int limit, Callback<std::vector<std::string>> done) override;
  void append_message(NewMessage message, Callback<StoredMessage> done) override;
  // `limit` is clamped to [1, 1000].
  void messages_before(std::string room, std::optional<int64_t> before, int limit,
                       Callback<std::vector<StoredMessage>> done) override;
  // `limit` is clamped to [1, 1000].
  void messages_after(std::string room, int64_t after, int limit,
                      Callback<std::vector<StoredMessage>> done) override;
  // Reads first: a user rejoining a room (every reconnect) writes nothing.
  void join_room(int64_t user_id, std::string room, int64_t max_created, Callback<RoomJoin> done) override;
  void leave_room(int64_t user_id, std::string room, Callback<core::Unit> done) override;
  void user_rooms(int64_t user_id, Callback<std::vector<ReadState>> done) override;
  void conversations(int64_t user_id, Callback<std::vector<Conversation>> done) override;
  void mark_read(int64_t user_id, std::string room, int64_t seq, Callback<int64_t> done) override;
  void prune_idempotency_keys(int64_t cutoff_ms, Callback<int64_t> done) override;
  void keep_setting(std::string name, std::string value_if_absent, Callback<std::string> done) override;
  // Answers ok when a reader can run a query and the writer's connection is up (a writer that lost its
  // connection is asked to reconnect first).
  void ping(Callback<core::Unit> done) override;
  // Blocks until every read and write queued before has completed and its callback has run.
  void flush() override;

  // How many write transactions have committed since open (one per group-committed batch).
  uint64_t commits() const;

 protected:
  PooledStore(std::unique_ptr<Readers> readers, std::unique_ptr<Writes> writer);

 private:
  std::unique_ptr<Writes> writer_;
  std::unique_ptr<Readers> readers_;
};

}  // namespace parley::store::common

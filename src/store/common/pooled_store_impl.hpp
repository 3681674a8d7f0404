#pragma once
// The member definitions of PooledStore (pooled_store.hpp): every Store method forwarded to the readers or the
// writer. Included by a backend's store .cpp only, next to its Reader and Committer, to instantiate the
// skeleton once.
// Thread safety: as PooledStore.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/common/deliver.hpp"
#include "store/common/pooled_store.hpp"
#include "store/common/reader_pool.hpp"
#include "store/common/write_job.hpp"
#include "store/common/writer.hpp"

namespace parley::store::common {

template <class Reader, class Committer>
PooledStore<Reader, Committer>::PooledStore(std::unique_ptr<Readers> readers, std::unique_ptr<Writes> writer)
    : writer_(std::move(writer)), readers_(std::move(readers)) {}

template <class Reader, class Committer>
PooledStore<Reader, Committer>::~PooledStore() {
  flush();
  // Readers stop first: an ensure_room, join_room or ping read may still hand work to the writer.
  readers_->stop();
  writer_->stop();
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::create_user(std::string username, std::string password_hash,
                                                 Callback<User> done) {
  std::string key = Committer::user_lock(username);
  writer_->template submit<User>(
      [username = std::move(username), password_hash = std::move(password_hash)](auto& ops) {
        return ops.create_user(username, password_hash);
      },
      std::move(done), std::move(key));
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::find_user(std::string username, Callback<UserCredentials> done) {
  readers_->template submit<UserCredentials>(
      [username = std::move(username)](auto& ops) { return ops.find_user(username); }, std::move(done));
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::find_user_by_id(int64_t id, Callback<User> done) {
  readers_->template submit<User>([id](auto& ops) { return ops.find_user_by_id(id); }, std::move(done));
}

// Reads first, and only queues a write (behind the appends) when the room does not exist yet: joins are far
// more frequent than room creations.
template <class Reader, class Committer>
void PooledStore<Reader, Committer>::ensure_room(std::string room, Callback<int64_t> done) {
  readers_->template submit<std::optional<int64_t>>(
      [room](auto& ops) { return ops.room_last_seq(room); },
      [writer = writer_.get(), room, done = std::move(done)](core::Result<std::optional<int64_t>> found) {
        if (found.ok() && found->has_value()) return deliver<int64_t>(done, found->value());
        if (!found.ok() && !Reader::writer_may_succeed_after(found.error()))
          return deliver<int64_t>(done, found.error());
        // Missing (or the read failed in a way the writer may not): the writer creates the room if needed and
        // answers its last seq.
        writer->template submit<int64_t>([room](auto& ops) { return ops.ensure_room(room); }, done,
                                         Committer::room_lock(room));
      });
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::list_rooms(std::string after, int limit,
                                                Callback<std::vector<std::string>> done) {
  readers_->template submit<std::vector<std::string>>(
      [after = std::move(after), limit](auto& ops) { return ops.list_rooms(after, limit); }, std::move(done));
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::append_message(NewMessage message, Callback<StoredMessage> done) {
  std::string key = Committer::room_lock(message.room);
  const Savepoint savepoint = Committer::append_savepoint(message);
  writer_->template submit<StoredMessage>(
      [message = std::move(message)](auto& ops) mutable { return ops.append_message(std::move(message)); },
      std::move(done), std::move(key), savepoint);
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::messages_before(std::string room, std::optional<int64_t> before, int limit,
                                                     Callback<std::vector<StoredMessage>> done) {
  readers_->template submit<std::vector<StoredMessage>>(
      [room = std::move(room), before, limit](auto& ops) { return ops.messages_before(room, before, limit); },
      std::move(done));
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::messages_after(std::string room, int64_t after, int limit,
                                                    Callback<std::vector<StoredMessage>> done) {
  readers_->template submit<std::vector<StoredMessage>>(
      [room = std::move(room), after, limit](auto& ops) { return ops.messages_after(room, after, limit); },
      std::move(done));
}

// Reads first: a user rejoining a room (every reconnect) writes nothing.
template <class Reader, class Committer>
void PooledStore<Reader, Committer>::join_room(int64_t user_id, std::string room, int64_t max_created,
                                               Callback<RoomJoin> done) {
  readers_->template submit<std::optional<RoomJoin>>(
      [user_id, room](auto& ops) { return ops.known_join(user_id, room); },
      [writer = writer_.get(), user_id, room, max_created, done = std::move(done)](
          core::Result<std::optional<RoomJoin>> known) {
        if (known.ok() && known->has_value()) return deliver<RoomJoin>(done, known->value());
        if (!known.ok() && !Reader::writer_may_succeed_after(known.error()))
          return deliver<RoomJoin>(done, known.error());
        writer->template submit<RoomJoin>(
            [user_id, room, max_created](auto& ops) { return ops.join_room(user_id, room, max_created); }, done,
            Committer::room_lock(room));
      });
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::leave_room(int64_t user_id, std::string room, Callback<core::Unit> done) {
  writer_->template submit<core::Unit>(
      [user_id, room = std::move(room)](auto& ops) { return ops.leave_room(user_id, room); }, std::move(done), {},
      Committer::kOneStatement);
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::user_rooms(int64_t user_id, Callback<std::vector<ReadState>> done) {
  readers_->template submit<std::vector<ReadState>>([user_id](auto& ops) { return ops.user_rooms(user_id); },
                                                    std::move(done));
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::conversations(int64_t user_id, Callback<std::vector<Conversation>> done) {
  readers_->template submit<std::vector<Conversation>>(
      [user_id](auto& ops) { return ops.conversations(user_id); }, std::move(done));
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::mark_read(int64_t user_id, std::string room, int64_t seq,
                                               Callback<int64_t> done) {
  writer_->template submit<int64_t>(
      [user_id, room = std::move(room), seq](auto& ops) { return ops.mark_read(user_id, room, seq); },
      std::move(done));
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::prune_idempotency_keys(int64_t cutoff_ms, Callback<int64_t> done) {
  writer_->template submit<int64_t>([cutoff_ms](auto& ops) { return ops.prune_idempotency_keys(cutoff_ms); },
                                    std::move(done), {}, Committer::kOneStatement);
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::keep_setting(std::string name, std::string value_if_absent,
                                                  Callback<std::string> done) {
  writer_->template submit<std::string>(
      [name = std::move(name), value = std::move(value_if_absent)](auto& ops) {
        return ops.keep_setting(name, value);
      },
      std::move(done));
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::ping(Callback<core::Unit> done) {
  readers_->template submit<core::Unit>(
      [](auto& ops) { return ops.ping(); },
      [writer = writer_.get(), done = std::move(done)](core::Result<core::Unit> read) {
        if (!read.ok() || writer->connected()) return deliver<core::Unit>(done, std::move(read));
        // The writer lost its connection: an empty write job makes it reconnect (or fail) before we answer.
        writer->template submit<core::Unit>([](auto&) -> core::Result<core::Unit> { return core::Unit{}; }, done);
      });
}

template <class Reader, class Committer>
void PooledStore<Reader, Committer>::flush() {
  // Readers first: an ensure_room, join_room or ping read queued before may still queue a write.
  readers_->flush();
  writer_->flush();
}

template <class Reader, class Committer>
uint64_t PooledStore<Reader, Committer>::commits() const {
  return writer_->commits();
}

}  // namespace parley::store::common

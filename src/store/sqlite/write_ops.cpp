#include "store/sqlite/write_ops.hpp"

#include <utility>

#include "core/clock.hpp"
#include "store/common/errors.hpp"
#include "store/common/rows.hpp"

namespace parley::store::sqlite {

namespace {

constexpr const char* kInsertUser =
    "INSERT INTO users (username, password_hash, created_at) VALUES (?1, ?2, ?3) RETURNING id";
constexpr const char* kInsertRoom =
    "INSERT INTO rooms (name, created_at) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING";
constexpr const char* kSelectLastSeq = "SELECT coalesce(max(seq), 0) FROM messages WHERE room = ?1";
// Changes whenever another connection commits to the database file (never for this connection's commits).
constexpr const char* kDataVersion = "PRAGMA data_version";
constexpr const char* kInsertMessage =
    "INSERT INTO messages (room, seq, id, from_id, from_name, text, ts, client_msg_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

constexpr const char* kInsertSetting =
    "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING";
constexpr const char* kSelectSetting = "SELECT value FROM settings WHERE name = ?1";

// Takes the key when it is free or stale; answers a row only then. The room and seq are filled in by
// kRecordKey once the message has its seq.
constexpr const char* kClaimKey =
    "INSERT INTO idempotency_keys (user_id, client_msg_id, room, seq, ts) VALUES (?1, ?2, '', 0, ?3) "
    "ON CONFLICT (user_id, client_msg_id) DO UPDATE SET room = '', seq = 0, ts = excluded.ts "
    "WHERE idempotency_keys.ts < ?4 RETURNING 1";
// The columns in PARLEY_STORE_MESSAGE_COLUMNS order (common::message_at).
constexpr const char* kKeyedMessage =
    "SELECT m.room, m.seq, m.id, m.from_id, m.from_name, m.text, m.ts, m.client_msg_id "
    "FROM idempotency_keys k JOIN messages m ON m.room = k.room AND m.seq = k.seq "
    "WHERE k.user_id = ?1 AND k.client_msg_id = ?2";
constexpr const char* kRecordKey =
    "UPDATE idempotency_keys SET room = ?3, seq = ?4 WHERE user_id = ?1 AND client_msg_id = ?2";
constexpr const char* kInsertConversation =
    "INSERT INTO conversations (user_id, other_id, room) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
constexpr const char* kInsertMembership =
    "INSERT INTO memberships (user_id, room, joined_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
constexpr const char* kDeleteMembership = "DELETE FROM memberships WHERE user_id = ?1 AND room = ?2";
constexpr const char* kSelectReadSeq = "SELECT seq FROM read_markers WHERE user_id = ?1 AND room = ?2";
constexpr const char* kMarkRead =
    "INSERT INTO read_markers (user_id, room, seq) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (user_id, room) DO UPDATE SET seq = max(seq, excluded.seq)";
constexpr const char* kPruneKeys = "DELETE FROM idempotency_keys WHERE ts < ?1";
constexpr const char* kRoomExists = "SELECT 1 FROM rooms WHERE name = ?1";
constexpr const char* kRoomsCreatedBy = "SELECT count(*) FROM rooms WHERE created_by = ?1";
constexpr const char* kInsertRoomBy =
    "INSERT INTO rooms (name, created_at, created_by) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING";

constexpr size_t max_cached_rooms = 100000;

}  // namespace

core::Result<WriteOps> WriteOps::prepare(Connection& connection) {
  WriteOps ops;
  const std::pair<Statement*, const char*> statements[] = {
      {&ops.insert_user_, kInsertUser},       {&ops.insert_room_, kInsertRoom},
      {&ops.select_last_seq_, kSelectLastSeq}, {&ops.insert_message_, kInsertMessage},
      {&ops.data_version_, kDataVersion},      {&ops.insert_setting_, kInsertSetting},
      {&ops.select_setting_, kSelectSetting},  {&ops.claim_key_, kClaimKey},
      {&ops.keyed_message_, kKeyedMessage},    {&ops.record_key_, kRecordKey},
      {&ops.insert_conversation_, kInsertConversation}, {&ops.insert_membership_, kInsertMembership},
      {&ops.delete_membership_, kDeleteMembership}, {&ops.select_read_seq_, kSelectReadSeq},
      {&ops.mark_read_, kMarkRead},            {&ops.prune_keys_, kPruneKeys},
      {&ops.room_exists_, kRoomExists},        {&ops.rooms_created_by_, kRoomsCreatedBy},
      {&ops.insert_room_by_, kInsertRoomBy},
  };
  for (const auto& [statement, sql] : statements) {
    core::Result<Statement> prepared = connection.prepare(sql);
    if (!prepared) return prepared.error();
    *statement = std::move(*prepared);
  }
  return ops;
}

core::Result<core::Unit> WriteOps::begin() {
  Query query(data_version_);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  if (!*row) return common::missing_row("data_version");
  const int64_t version = query.int64(0);
  // Another process may have appended: read seqs afresh. Many rooms: start over rather than grow unbounded.
  if (version != data_version_seen_ || last_seqs_.size() > max_cached_rooms) last_seqs_.clear();
  data_version_seen_ = version;
  return core::Unit{};
}

void WriteOps::rolled_back() { last_seqs_.clear(); }

core::Result<int64_t*> WriteOps::last_seq(const std::string& room) {
  if (auto cached = last_seqs_.find(room); cached != last_seqs_.end()) return &cached->second;
  core::Result<int64_t> last = ensure_room(room);
  if (!last) return last.error();
  return &last_seqs_.emplace(room, *last).first->second;
}

core::Result<User> WriteOps::create_user(const std::string& username, const std::string& password_hash) {
  Query query(insert_user_);
  query.bind(1, username).bind(2, password_hash).bind(3, core::now_ms());
  core::Result<bool> row = query.step();
  if (!row) {
    if (row.error().code == core::ErrorCode::conflict) {
      return common::username_taken(username);
    }
    return row.error();
  }
  if (!*row) return common::missing_row("create_user");
  User user{query.int64(0), username};
  if (auto done = query.run(); !done) return done.error();
  return user;
}

core::Result<int64_t> WriteOps::ensure_room(const std::string& room) {
  if (auto cached = last_seqs_.find(room); cached != last_seqs_.end()) return cached->second;
  {
    Query insert(insert_room_);
    insert.bind(1, room).bind(2, core::now_ms());
    if (auto done = insert.run(); !done) return done.error();
  }
  Query select(select_last_seq_);
  select.bind(1, room);
  core::Result<bool> row = select.step();
  if (!row) return row.error();
  if (!*row) return common::missing_row("ensure_room");
  return select.int64(0);
}

core::Result<std::string> WriteOps::keep_setting(const std::string& name, const std::string& value_if_absent) {
  {
    Query insert(insert_setting_);
    insert.bind(1, name).bind(2, value_if_absent);
    if (auto done = insert.run(); !done) return done.error();
  }
  Query select(select_setting_);
  select.bind(1, name);
  core::Result<bool> row = select.step();
  if (!row) return row.error();
  if (!*row) return common::missing_row("keep_setting");
  return std::string(select.text(0));
}

core::Result<bool> WriteOps::claim_key(int64_t user_id, const std::string& client_msg_id, int64_t ts) {
  Query claim(claim_key_);
  claim.bind(1, user_id).bind(2, client_msg_id).bind(3, ts).bind(4, ts - kIdempotencyWindowMs);
  core::Result<bool> row = claim.step();
  if (!row) return row.error();
  const bool claimed = *row;
  if (claimed) {
    if (auto done = claim.run(); !done) return done.error();
  }
  return claimed;
}

core::Result<StoredMessage> WriteOps::keyed_message(int64_t user_id, const std::string& client_msg_id) {
  Query query(keyed_message_);
  query.bind(1, user_id).bind(2, client_msg_id);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  if (!*row) return common::missing_row("the message of an idempotency key");
  StoredMessage first = common::message_at(query);
  first.replayed = true;
  return first;
}

core::Result<StoredMessage> WriteOps::append_message(NewMessage message) {
  const bool keyed = !message.client_msg_id.empty();
  if (keyed) {
    core::Result<bool> claimed = claim_key(message.from_id, message.client_msg_id, message.ts);
    if (!claimed) return claimed.error();
    if (!*claimed) return keyed_message(message.from_id, message.client_msg_id);
  }
  core::Result<int64_t*> last = last_seq(message.room);
  if (!last) return last.error();
  const int64_t seq = **last + 1;
  // A conversation's first message lists it for both users, before the message: should the message's INSERT
  // fail, the rows stay (harmless: an empty conversation) and the append needs no savepoint without a key.
  if (seq == 1) {
    if (auto users = conversation_users(message.room)) {
      for (auto [user, other] : {*users, std::pair{users->second, users->first}}) {
        Query insert(insert_conversation_);
        insert.bind(1, user).bind(2, other).bind(3, message.room);
        if (auto done = insert.run(); !done) return done.error();
      }
    }
  }
  {
    Query insert(insert_message_);
    insert.bind(1, message.room)
        .bind(2, seq)
        .bind(3, message.id)
        .bind(4, message.from_id)
        .bind(5, message.from_name)
        .bind(6, message.text)
        .bind(7, message.ts)
        .bind(8, message.client_msg_id);
    if (auto done = insert.run(); !done) return done.error();
  }
  if (keyed) {
    Query record(record_key_);
    record.bind(1, message.from_id).bind(2, message.client_msg_id).bind(3, message.room).bind(4, seq);
    if (auto done = record.run(); !done) return done.error();
  }
  **last = seq;  // only now: a failure above rolls the job's savepoint back, seq unused
  return StoredMessage{std::move(message.id),        std::move(message.room), seq,
                       message.from_id,              std::move(message.from_name),
                       std::move(message.text),      message.ts,
                       std::move(message.client_msg_id)};
}

core::Result<int64_t> WriteOps::read_seq(int64_t user_id, const std::string& room) {
  Query query(select_read_seq_);
  query.bind(1, user_id).bind(2, room);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  return *row ? query.int64(0) : 0;
}

core::Result<RoomJoin> WriteOps::join_room(int64_t user_id, const std::string& room, int64_t max_created) {
  bool exists = false;
  {
    Query query(room_exists_);
    query.bind(1, room);
    core::Result<bool> row = query.step();
    if (!row) return row.error();
    exists = *row;
  }
  if (!exists) {
    if (max_created > 0) {
      Query count(rooms_created_by_);
      count.bind(1, user_id);
      core::Result<bool> row = count.step();
      if (!row) return row.error();
      if (*row && count.int64(0) >= max_created) return common::too_many_rooms(max_created);
    }
    Query insert(insert_room_by_);
    insert.bind(1, room).bind(2, core::now_ms()).bind(3, user_id);
    if (auto done = insert.run(); !done) return done.error();
  }
  core::Result<int64_t> last = ensure_room(room);
  if (!last) return last.error();
  {
    Query insert(insert_membership_);
    insert.bind(1, user_id).bind(2, room).bind(3, core::now_ms());
    if (auto done = insert.run(); !done) return done.error();
  }
  core::Result<int64_t> read = read_seq(user_id, room);
  if (!read) return read.error();
  return RoomJoin{*last, *read};
}

core::Result<core::Unit> WriteOps::leave_room(int64_t user_id, const std::string& room) {
  Query remove(delete_membership_);
  remove.bind(1, user_id).bind(2, room);
  return remove.run();
}

core::Result<int64_t> WriteOps::mark_read(int64_t user_id, const std::string& room, int64_t seq) {
  int64_t last = 0;
  if (auto cached = last_seqs_.find(room); cached != last_seqs_.end()) {
    last = cached->second;
  } else {
    Query select(select_last_seq_);
    select.bind(1, room);
    core::Result<bool> row = select.step();
    if (!row) return row.error();
    if (*row) last = select.int64(0);
  }
  {
    Query mark(mark_read_);
    mark.bind(1, user_id).bind(2, room).bind(3, std::min(seq, last));
    if (auto done = mark.run(); !done) return done.error();
  }
  return read_seq(user_id, room);
}

core::Result<int64_t> WriteOps::prune_idempotency_keys(int64_t cutoff_ms) {
  Query prune(prune_keys_);
  prune.bind(1, cutoff_ms);
  if (auto done = prune.run(); !done) return done.error();
  return prune.changes();
}

}  // namespace parley::store::sqlite

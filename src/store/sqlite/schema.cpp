#include "store/sqlite/schema.hpp"

#include <string>

#include "store/common/migrations.hpp"

namespace parley::store::sqlite {

namespace {

using common::Migration;

// Append only: never edit a migration that has shipped, add a new one.
// messages is an ordinary rowid table rather than WITHOUT ROWID: texts may reach 16 KB, and a WITHOUT ROWID
// table keeps whole rows in its interior b-tree pages, which works best with rows well under 200 bytes. The
// (room, seq) primary key is an index that history scans walk in order.
constexpr Migration kMigrations[] = {
    {1, R"sql(
      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT UNIQUE NOT NULL,
        password_hash TEXT NOT NULL,
        created_at INTEGER
      );
      CREATE TABLE rooms (
        name TEXT PRIMARY KEY,
        last_seq INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER
      );
      CREATE TABLE messages (
        room TEXT NOT NULL,
        seq INTEGER NOT NULL,
        id TEXT UNIQUE NOT NULL,
        from_id INTEGER NOT NULL,
        from_name TEXT NOT NULL,
        text TEXT NOT NULL,
        ts INTEGER NOT NULL,
        client_msg_id TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (room, seq)
      );
    )sql"},
    // A room's last seq is max(seq) of its messages: keeping a copy in rooms cost an UPDATE per room per
    // commit. Binaries of version 1 refuse this file from now on (they would hand out seqs from the copy).
    {2, "ALTER TABLE rooms DROP COLUMN last_seq;"},
    // Settings every process on the file shares, such as the token signing secret.
    {3, "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);"},
    // What follows a user across devices (docs/protocol.md §8): the rooms they joined, how far they read each
    // room and conversation, their conversations (a row per participant, written with its first message), and
    // the clientMsgIds of the last 24 hours with the message each one stored.
    {4, R"sql(
      CREATE TABLE memberships (
        user_id INTEGER NOT NULL,
        room TEXT NOT NULL,
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, room)
      ) WITHOUT ROWID;
      CREATE TABLE read_markers (
        user_id INTEGER NOT NULL,
        room TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (user_id, room)
      ) WITHOUT ROWID;
      CREATE TABLE conversations (
        user_id INTEGER NOT NULL,
        other_id INTEGER NOT NULL,
        room TEXT NOT NULL,
        PRIMARY KEY (user_id, other_id)
      ) WITHOUT ROWID;
      CREATE TABLE idempotency_keys (
        user_id INTEGER NOT NULL,
        client_msg_id TEXT NOT NULL,
        room TEXT NOT NULL,
        seq INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        PRIMARY KEY (user_id, client_msg_id)
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_keys_by_ts ON idempotency_keys (ts);
    )sql"},
    // Who created each room, so the rooms a user may create can be capped (NULL: before this, or a conversation).
    {5, R"sql(
      ALTER TABLE rooms ADD COLUMN created_by INTEGER;
      CREATE INDEX rooms_by_creator ON rooms (created_by) WHERE created_by IS NOT NULL;
    )sql"},
    // messages without the unique index on id: nothing reads a message by id, ids are unique by construction
    // (node id, time, counter), and the index was a third b-tree insert per stored message. SQLite cannot drop
    // a column's UNIQUE constraint, so the table is copied (rowids renumbered in (room, seq) order).
    {6, R"sql(
      CREATE TABLE messages_v6 (
        room TEXT NOT NULL,
        seq INTEGER NOT NULL,
        id TEXT NOT NULL,
        from_id INTEGER NOT NULL,
        from_name TEXT NOT NULL,
        text TEXT NOT NULL,
        ts INTEGER NOT NULL,
        client_msg_id TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (room, seq)
      );
      INSERT INTO messages_v6 SELECT room, seq, id, from_id, from_name, text, ts, client_msg_id
        FROM messages ORDER BY room, seq;
      DROP TABLE messages;
      ALTER TABLE messages_v6 RENAME TO messages;
    )sql"},
};

core::Result<int> current_version(Connection& connection) {
  core::Result<Statement> select = connection.prepare("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!select) return select.error();
  Query query(*select);
  core::Result<bool> row = query.step();
  if (!row) return row.error();
  return static_cast<int>(query.int64(0));
}

// Applies one migration and records its version, in one transaction.
core::Result<core::Unit> apply(Connection& connection, const Migration& migration) {
  const std::string what = "schema migration " + std::to_string(migration.version);
  if (auto begun = connection.exec("BEGIN IMMEDIATE", what); !begun) return begun;
  auto fail = [&](core::Error error) -> core::Result<core::Unit> {
    connection.exec("ROLLBACK", what);
    return error;
  };
  // Another process may have migrated while we waited for the write lock.
  core::Result<int> version = current_version(connection);
  if (!version) return fail(version.error());
  if (*version >= migration.version) {
    connection.exec("ROLLBACK", what);
    return core::Unit{};
  }
  if (auto done = connection.exec(migration.sql, what); !done) return fail(done.error());
  core::Result<Statement> insert = connection.prepare("INSERT INTO schema_version (version) VALUES (?1)");
  if (!insert) return fail(insert.error());
  {
    Query query(*insert);
    query.bind(1, int64_t{migration.version});
    if (auto done = query.run(); !done) return fail(done.error());
  }
  if (auto committed = connection.exec("COMMIT", what); !committed) return fail(committed.error());
  return core::Unit{};
}

}  // namespace

int latest_schema_version() { return common::latest_version(kMigrations); }

core::Result<core::Unit> migrate(Connection& connection) {
  return common::migrate(connection, kMigrations, current_version, apply);
}

}  // namespace parley::store::sqlite

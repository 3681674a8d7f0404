#pragma once
// RAII wrappers over the SQLite C API: a connection, a prepared statement, and one use of a statement
// (bind, step, read columns, then reset on scope exit). SQLite errors become core::Error values.
// Thread safety: none. A Connection and its Statements are used by one thread at a time.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace parley::store::sqlite {

// The Parley error for an SQLite result code: a unique/primary-key violation is `conflict`, contention and
// resource exhaustion (busy, locked, full, I/O, out of memory) are `unavailable`, anything else `internal`.
core::Error make_error(int code, std::string_view what, std::string_view detail);

// An owned prepared statement (finalized on destruction). Move-only.
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // The raw handle; null for a default-constructed Statement.
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// An owned database connection (closed on destruction). Move-only.
class Connection {
 public:
  // Opens `path` with sqlite3_open_v2 `flags`, extended result codes on and the given busy timeout.
  // Answers an error naming the path when the file cannot be opened.
  static core::Result<Connection> open(const std::string& path, int flags, int busy_timeout_ms);

  Connection(Connection&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more SQL statements that return no rows we need (DDL, pragmas, transaction control).
  // `what` names the operation in the error message.
  core::Result<core::Unit> exec(const char* sql, std::string_view what);
  // Compiles one SQL statement for repeated use (SQLITE_PREPARE_PERSISTENT).
  core::Result<Statement> prepare(std::string_view sql);
  // True while an explicit transaction is open (false again after SQLite rolled one back on its own).
  bool in_transaction() const;
  // The raw handle.
  sqlite3* get() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// One execution of a Statement: bind parameters, step, read columns. The destructor resets the statement and
// clears its bindings, so the Statement can be reused at once. Bound text is not copied: it must outlive the
// Query.
class Query {
 public:
  explicit Query(Statement& statement) : stmt_(statement.get()) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query();

  // Binds parameter `index` (1-based). A binding error is reported by the next step().
  Query& bind(int index, int64_t value);
  Query& bind(int index, std::string_view value);

  // Steps once: true when a row is available, false when the statement has finished.
  core::Result<bool> step();
  // Steps until the statement has finished, ignoring any rows.
  core::Result<core::Unit> run();
  // Rows the last finished INSERT, UPDATE or DELETE of this connection changed.
  int64_t changes() const;

  // Column values of the current row (0-based). A NULL text reads as "".
  int64_t int64(int column) const;
  std::string text(int column) const;

 private:
  sqlite3_stmt* stmt_;
  int bind_rc_ = 0;  // SQLITE_OK
};

}  // namespace parley::store::sqlite

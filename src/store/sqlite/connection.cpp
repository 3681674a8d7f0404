#include "store/sqlite/connection.hpp"

#include <sqlite3.h>

#include <string>

namespace parley::store::sqlite {

namespace {

std::string_view errmsg(sqlite3* db) { return db != nullptr ? sqlite3_errmsg(db) : "out of memory"; }

// Turns SQLite's memory statistics off before the library initializes (sqlite3_config is only allowed then):
// with them on, every allocation SQLite makes (several per statement) takes a global mutex to count itself,
// and nothing here reads the counts (sqlite3_memory_used, sqlite3_status). Once per process; if the library
// was initialized already (another user in the process), the call is refused and nothing changes.
void configure_library_once() {
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;
}

}  // namespace

core::Error make_error(int code, std::string_view what, std::string_view detail) {
  core::ErrorCode mapped = core::ErrorCode::internal;
  switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      mapped = core::ErrorCode::conflict;
      break;
    default:
      switch (code & 0xff) {  // the primary result code
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_NOMEM:
          mapped = core::ErrorCode::unavailable;
          break;
        default:
          break;
      }
  }
  std::string message(what);
  message += ": ";
  message += detail;
  return core::Error{mapped, std::move(message)};
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

core::Result<Connection> Connection::open(const std::string& path, int flags, int busy_timeout_ms) {
  configure_library_once();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  Connection connection(db);  // owns db even when the open failed
  if (rc != SQLITE_OK) {
    return make_error(rc, "cannot open sqlite database '" + path + "'", errmsg(db));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return connection;
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Connection::~Connection() { sqlite3_close_v2(db_); }

core::Result<core::Unit> Connection::exec(const char* sql, std::string_view what) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    core::Error error = make_error(rc, what, message != nullptr ? message : errmsg(db_));
    sqlite3_free(message);
    return error;
  }
  return core::Unit{};
}

core::Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) {
    return make_error(rc, "cannot prepare '" + std::string(sql.substr(0, 60)) + "'", errmsg(db_));
  }
  return Statement(stmt);
}

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

Query::~Query() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::bind(int index, std::string_view value) {
  // A null pointer would bind SQL NULL; an empty string must stay an empty string.
  const char* data = value.data() != nullptr ? value.data() : "";
  int rc = sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

core::Result<bool> Query::step() {
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (bind_rc_ != SQLITE_OK) return make_error(bind_rc_, "sqlite bind failed", errmsg(db));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return make_error(rc, "sqlite statement failed", errmsg(db));
}

core::Result<core::Unit> Query::run() {
  while (true) {
    core::Result<bool> row = step();
    if (!row) return row.error();
    if (!*row) return core::Unit{};
  }
}

int64_t Query::changes() const { return sqlite3_changes64(sqlite3_db_handle(stmt_)); }

int64_t Query::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Query::text(int column) const {
  const unsigned char* data = sqlite3_column_text(stmt_, column);
  if (data == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

}  // namespace parley::store::sqlite

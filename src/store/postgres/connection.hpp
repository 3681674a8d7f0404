#pragma once
// RAII wrappers over libpq: a connection, a query result, and the mapping of PostgreSQL errors to Parley's.
// Every call blocks its thread on the network: use them only on the store's own threads.
// Thread safety: none. A Connection is used by one thread at a time; Rows are plain values once built.
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace parley::store::postgres {

// `url` without its password (postgres://user:secret@host/db → postgres://user@host/db, and password=… in a
// key=value conninfo), for error messages and logs.
std::string redact(const std::string& url);

// The Parley error for a failed libpq call: unique violation → conflict; a lost or refused connection,
// shutdown, deadlock, serialization failure or exhausted resources → unavailable; anything else internal.
// `result` may be null (the call returned no result at all).
core::Error make_error(PGconn* conn, const PGresult* result, std::string_view what);

class Rows;

// One row of Rows, read by column like an SQLite Query on a row (the Row of common/rows.hpp). Valid while its
// Rows lives.
class Row {
 public:
  Row(const Rows& rows, int row) : rows_(&rows), row_(row) {}
  std::string text(int column) const;
  int64_t int64(int column) const;

 private:
  const Rows* rows_;
  int row_;
};

// The rows of a successful query (text format). Move-only.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}

  // Number of rows.
  int size() const { return PQntuples(result_.get()); }
  // Row `row`, for the mappers of common/rows.hpp.
  Row row(int row) const { return Row(*this, row); }
  // Column `column` of row `row` as text ("" for NULL).
  std::string text(int row, int column) const;
  // Column `column` of row `row` as a 64-bit integer (0 for NULL or garbage).
  int64_t int64(int row, int column) const;
  // Rows an INSERT, UPDATE or DELETE changed.
  int64_t affected() const;
  // The command tag, e.g. "COMMIT" or "ROLLBACK".
  std::string_view command_status() const { return PQcmdStatus(result_.get()); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

// The parameters of one statement, as text. A null pointer would be SQL NULL; Params never binds NULL.
class Params {
 public:
  Params& add(std::string value) {
    values_.push_back(std::move(value));
    return *this;
  }
  Params& add(int64_t value) { return add(std::to_string(value)); }
  // The values in order, as libpq wants them; valid while this Params lives and is not changed.
  std::vector<const char*> pointers() const;
  int size() const { return static_cast<int>(values_.size()); }

 private:
  std::vector<std::string> values_;
};

inline std::string Row::text(int column) const { return rows_->text(row_, column); }
inline int64_t Row::int64(int column) const { return rows_->int64(row_, column); }

// Knobs of a connection attempt.
struct ConnectOptions {
  int connect_timeout_s = 5;       // libpq connect_timeout
  int tcp_user_timeout_ms = 10000; // unacknowledged data for this long breaks the connection (0: OS default)
  std::string application_name = "parley";
};

// An owned libpq connection (finished on destruction). Move-only.
class Connection {
 public:
  // Connects to `url` (postgres://… URL or key=value conninfo), blocking for at most the connect timeout.
  // Settings in the URL win over `options`. Answers `unavailable` with the redacted URL and libpq's reason when
  // the server is unreachable or refuses us.
  static core::Result<Connection> connect(const std::string& url, const ConnectOptions& options);

  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  // True while the connection is usable (false once libpq saw it break).
  bool ok() const { return PQstatus(conn_.get()) == CONNECTION_OK; }
  // True inside a transaction block that an error has aborted (only ROLLBACK [TO SAVEPOINT] works then).
  bool in_failed_transaction() const { return PQtransactionStatus(conn_.get()) == PQTRANS_INERROR; }
  // True inside a transaction block (healthy or aborted).
  bool in_transaction() const;

  // Runs SQL through the simple query protocol (several statements allowed; the rows of the last one are
  // answered). `what` names the operation in the error message.
  core::Result<Rows> exec(const char* sql, std::string_view what);
  // Prepares `sql` under `name` for run().
  core::Result<core::Unit> prepare(const char* name, const char* sql);
  // Runs the prepared statement `name` with `params`.
  core::Result<Rows> run(const char* name, const Params& params, std::string_view what);

  // The raw handle.
  PGconn* get() const { return conn_.get(); }

 private:
  explicit Connection(PGconn* conn) : conn_(conn, &PQfinish) {}
  // Answers `result` as Rows when it succeeded, as an error otherwise.
  core::Result<Rows> check(PGresult* result, std::string_view what);

  std::unique_ptr<PGconn, void (*)(PGconn*)> conn_;
};

}  // namespace parley::store::postgres

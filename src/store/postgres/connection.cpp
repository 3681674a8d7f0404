#include "store/postgres/connection.hpp"

#include <charconv>
#include <cstring>
#include <regex>
#include <utility>

namespace parley::store::postgres {

namespace {

// The first line of a libpq message, without the "ERROR:  " / "FATAL:  " prefix and trailing whitespace.
std::string first_line(const char* message) {
  std::string line = message != nullptr ? message : "";
  if (size_t end = line.find('\n'); end != std::string::npos) line.resize(end);
  for (std::string_view prefix : {"ERROR:  ", "FATAL:  "}) {
    if (line.starts_with(prefix)) line.erase(0, prefix.size());
  }
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

// libpq reports a failed connection attempt over several lines (one per address tried); keep them all but
// joined, so an operator sees every reason on one line.
std::string joined_lines(const char* message) {
  std::string text = message != nullptr ? message : "";
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// SQLSTATE classes and codes that mean "try again later" rather than "your request is wrong".
bool is_transient(std::string_view state) {
  if (state.starts_with("08")) return true;  // connection exception
  if (state.starts_with("53")) return true;  // insufficient resources
  if (state.starts_with("57P")) return true; // admin/crash shutdown, cannot connect now
  return state == "40001" || state == "40P01" || state == "55P03" || state == "57014";
}

}  // namespace

std::string redact(const std::string& url) {
  static const std::regex url_password(R"(^(postgres(?:ql)?://[^:/@?]*):[^@/?]*@)");
  static const std::regex conninfo_password(R"((password\s*=\s*)('[^']*'|\S+))");
  std::string out = std::regex_replace(url, url_password, "$1@");
  return std::regex_replace(out, conninfo_password, "$1***");
}

core::Error make_error(PGconn* conn, const PGresult* result, std::string_view what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view sqlstate = state != nullptr ? state : "";
  core::ErrorCode code = core::ErrorCode::internal;
  if (sqlstate == "23505") {
    code = core::ErrorCode::conflict;
  } else if (is_transient(sqlstate) || result == nullptr || PQstatus(conn) != CONNECTION_OK) {
    code = core::ErrorCode::unavailable;
  }
  std::string detail =
      first_line(result != nullptr && *PQresultErrorMessage(result) != '\0' ? PQresultErrorMessage(result)
                                                                             : PQerrorMessage(conn));
  if (detail.empty()) detail = "no answer from the server";
  std::string message(what);
  message += ": ";
  message += detail;
  return core::Error{code, std::move(message)};
}

std::string Rows::text(int row, int column) const {
  if (PQgetisnull(result_.get(), row, column)) return {};
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

int64_t Rows::affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  int64_t out = 0;
  std::from_chars(tuples, tuples + std::strlen(tuples), out);
  return out;
}

int64_t Rows::int64(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  const char* end = value + PQgetlength(result_.get(), row, column);
  int64_t out = 0;
  std::from_chars(value, end, out);
  return out;
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const std::string& value : values_) out.push_back(value.c_str());
  return out;
}

core::Result<Connection> Connection::connect(const std::string& url, const ConnectOptions& options) {
  const std::string timeout = std::to_string(options.connect_timeout_s);
  const std::string user_timeout = std::to_string(options.tcp_user_timeout_ms);
  // Our defaults first, the URL last: with expand_dbname, later settings override earlier ones.
  const char* keywords[] = {"connect_timeout", "application_name", "keepalives",     "keepalives_idle",
                            "keepalives_interval", "keepalives_count", "tcp_user_timeout", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), options.application_name.c_str(), "1", "10", "5", "3",
                          user_timeout.c_str(), url.c_str(), nullptr};
  Connection connection(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (connection.get() == nullptr) {
    return core::Error{core::ErrorCode::unavailable, "cannot connect to postgres: out of memory"};
  }
  // Server notices ("relation already exists, skipping"…) are chatter, not errors: keep them off stderr.
  PQsetNoticeProcessor(connection.get(), [](void*, const char*) {}, nullptr);
  if (!connection.ok()) {
    return core::Error{core::ErrorCode::unavailable,
                       "cannot connect to postgres at " + redact(url) + ": " +
                           joined_lines(PQerrorMessage(connection.get()))};
  }
  return connection;
}

bool Connection::in_transaction() const {
  PGTransactionStatusType status = PQtransactionStatus(conn_.get());
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

core::Result<Rows> Connection::check(PGresult* result, std::string_view what) {
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(result);
  core::Error error = make_error(conn_.get(), result, what);
  PQclear(result);
  return error;
}

core::Result<Rows> Connection::exec(const char* sql, std::string_view what) {
  return check(PQexec(conn_.get(), sql), what);
}

core::Result<core::Unit> Connection::prepare(const char* name, const char* sql) {
  core::Result<Rows> prepared =
      check(PQprepare(conn_.get(), name, sql, 0, nullptr), std::string("cannot prepare ") + name);
  if (!prepared) return prepared.error();
  return core::Unit{};
}

core::Result<Rows> Connection::run(const char* name, const Params& params, std::string_view what) {
  std::vector<const char*> values = params.pointers();
  return check(PQexecPrepared(conn_.get(), name, params.size(), values.data(), nullptr, nullptr, 0), what);
}

}  // namespace parley::store::postgres

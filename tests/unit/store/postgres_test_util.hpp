#pragma once
// Helpers for the PostgresStore tests: the server named by PARLEY_TEST_POSTGRES_URL (scripts/with-postgres sets
// it), a fresh database per test, and throwaway servers of our own (through scripts/lib/postgres.sh, named by
// PARLEY_TEST_POSTGRES_LIB) for tests that stop and restart the server.
#include <libpq-fe.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

#include "store_test_util.hpp"

namespace parley::store::testing {

// PARLEY_TEST_POSTGRES_URL, or "" when unset.
inline std::string postgres_admin_url() {
  const char* url = std::getenv("PARLEY_TEST_POSTGRES_URL");
  return url != nullptr ? url : "";
}

// Skips the current test, saying how to run it, when no PostgreSQL is configured.
#define PARLEY_REQUIRE_POSTGRES()                                                                             \
  if (::parley::store::testing::postgres_admin_url().empty()) {                                               \
    GTEST_SKIP() << "PARLEY_TEST_POSTGRES_URL is not set; run through scripts/with-postgres to test against a " \
                    "real PostgreSQL";                                                                        \
  }

// `url` (postgres://…/db?params) with its database replaced by `database`.
inline std::string with_database(const std::string& url, const std::string& database) {
  size_t scheme = url.find("://");
  size_t start = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  size_t query = url.find('?');
  std::string tail = query == std::string::npos ? "" : url.substr(query);
  if (start == std::string::npos || (query != std::string::npos && start > query)) {
    return url.substr(0, query) + "/" + database + tail;
  }
  return url.substr(0, start) + "/" + database + tail;
}

// Runs `sql` on a fresh connection to `url`; true when it succeeded.
inline bool postgres_exec(const std::string& url, const std::string& sql, std::string* error = nullptr) {
  PGconn* conn = PQconnectdb(url.c_str());
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  bool ok = false;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* result = PQexec(conn, sql.c_str());
    ExecStatusType status = PQresultStatus(result);
    ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    PQclear(result);
  }
  if (!ok && error != nullptr) *error = PQerrorMessage(conn);
  PQfinish(conn);
  return ok;
}

// The first column of the first row of `sql` on `url` as an integer, -1 on any failure.
inline int64_t postgres_int(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  int64_t value = -1;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      value = std::stoll(PQgetvalue(result, 0, 0));
    }
    PQclear(result);
  }
  PQfinish(conn);
  return value;
}

// A database of its own for one test, created on the admin server and dropped (forcibly) on destruction.
class TestDatabase {
 public:
  TestDatabase() {
    static std::atomic<int> counter{0};
    name_ = "parley_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    admin_ = postgres_admin_url();
    created_ = postgres_exec(admin_, "CREATE DATABASE " + name_, &error_);
  }
  ~TestDatabase() {
    if (created_) postgres_exec(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  bool created() const { return created_; }
  const std::string& error() const { return error_; }
  // The URL of this database.
  std::string url() const { return with_database(admin_, name_); }

 private:
  std::string admin_;
  std::string name_;
  std::string error_;
  bool created_ = false;
};

// A PostgreSQL server of our own in a temporary directory, which a test may pause (stop) and resume (start on
// the same port). Needs PARLEY_TEST_POSTGRES_LIB (set by scripts/with-postgres).
class ThrowawayServer {
 public:
  // PARLEY_TEST_POSTGRES_LIB, or "" when unset.
  static std::string library() {
    const char* lib = std::getenv("PARLEY_TEST_POSTGRES_LIB");
    return lib != nullptr ? lib : "";
  }

  ThrowawayServer() {
    started_ = call("pg_start");
    if (started_) std::getline(std::ifstream(dir_.file("url")), url_);
  }
  ~ThrowawayServer() {
    if (started_) call("pg_stop");
  }
  ThrowawayServer(const ThrowawayServer&) = delete;
  ThrowawayServer& operator=(const ThrowawayServer&) = delete;

  bool started() const { return started_ && !url_.empty(); }
  const std::string& url() const { return url_; }
  // Stops the server (fast shutdown: open connections are closed).
  bool pause() { return call("pg_pause"); }
  // Starts it again on the same port and waits until it accepts connections.
  bool resume() { return call("pg_resume"); }

 private:
  bool call(const char* function) {
    const std::string command =
        "bash -c 'source \"" + library() + "\" && " + function + " \"" + dir_.path().string() + "\"'";
    return std::system(command.c_str()) == 0;
  }

  TempDir dir_;
  std::string url_;
  bool started_ = false;
};

}  // namespace parley::store::testing

#include "store/sqlite/reader.hpp"

#include <sqlite3.h>

#include <utility>

namespace parley::store::sqlite {

core::Result<std::unique_ptr<Reader>> Reader::open(const std::string& path, int busy_timeout_ms) {
  core::Result<Connection> connection =
      Connection::open(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, busy_timeout_ms);
  if (!connection) return connection.error();
  core::Result<ReadOps> ops = ReadOps::prepare(*connection);
  if (!ops) return ops.error();
  return std::unique_ptr<Reader>(new Reader(std::move(*connection), std::move(*ops)));
}

}  // namespace parley::store::sqlite

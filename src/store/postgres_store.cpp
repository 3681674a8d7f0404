#include "store/postgres_store.hpp"

#include <utility>

#include "store/common/pooled_store_impl.hpp"
#include "store/postgres/committer.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/link.hpp"
#include "store/postgres/read_ops.hpp"
#include "store/postgres/schema.hpp"

namespace parley::store {

template class common::PooledStore<postgres::Reader, postgres::Committer>;

namespace {

// `error` as one line that names the store, so that a start-up failure says what failed.
core::Error naming(const std::string& url, const core::Error& error) {
  const std::string redacted = postgres::redact(url);
  if (error.message.find(redacted) != std::string::npos) return error;
  return core::Error{error.code, "postgres store " + redacted + ": " + error.message};
}

}  // namespace

core::Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& url, PostgresOptions options) {
  postgres::LinkOptions link;
  link.connect.connect_timeout_s = options.connect_timeout_s;
  link.min_backoff = options.min_backoff;
  link.max_backoff = options.max_backoff;
  core::Result<postgres::Connection> connection = postgres::Connection::connect(url, link.connect);
  if (!connection) return connection.error();
  if (auto migrated = postgres::migrate(*connection); !migrated) return naming(url, migrated.error());
  core::Result<std::unique_ptr<Readers>> readers =
      Readers::start(options.readers, [&](int i) -> core::Result<std::unique_ptr<postgres::Reader>> {
        auto reader = std::make_unique<postgres::Reader>(url, link, "reader " + std::to_string(i + 1));
        if (auto opened = reader->open(); !opened) return opened.error();
        return reader;
      });
  if (!readers) return naming(url, readers.error());
  core::Result<postgres::Committer> committer = postgres::Committer::prepare(std::move(*connection), url, link);
  if (!committer) return naming(url, committer.error());
  return std::unique_ptr<PostgresStore>(
      new PostgresStore(std::move(*readers), Writes::start(std::move(*committer), options.max_batch)));
}

}  // namespace parley::store

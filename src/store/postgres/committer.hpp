#pragma once
// How a PostgresStore commits: the transaction side of its writer (store/common/writer.hpp), on the write
// connection (a Link, reopened when it breaks). A batch of write jobs runs in ONE transaction (BEGIN … COMMIT),
// every job inside its own savepoint (in PostgreSQL a failed statement aborts the whole transaction, so even
// a one-statement job needs one) so that one job's failure (say a taken username) is rolled back alone. If the
// transaction cannot begin or commit, the jobs answer an error instead (`unavailable` when the server is gone).
//
// Inside a batch the jobs run ordered by their lock key (stable, so a room's appends keep their queue order):
// every node's writer takes row locks in the same order, so concurrent batches of several nodes wait for each
// other but never deadlock.
//
// A broken connection is reopened (at once, then with backoff); while the server is unreachable every batch
// answers `unavailable` without waiting.
// Thread safety: none; owned and used by the writer thread only.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/common/write_job.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/link.hpp"
#include "store/postgres/write_ops.hpp"
#include "store/store.hpp"

namespace parley::store::postgres {

class Committer {
 public:
  using Ops = WriteOps;
  using Job = common::WriteJob<WriteOps>;

  // Takes the migrated first connection and prepares its statements; later reconnects use `url` and `options`.
  static core::Result<Committer> prepare(Connection connection, const std::string& url, LinkOptions options);

  // Runs `jobs` in as few transactions as possible (one unless the connection breaks midway); answers how many
  // committed.
  uint64_t run_batch(std::vector<std::unique_ptr<Job>>& jobs);
  // False once the connection broke and could not be reopened yet.
  bool connected() const { return link_.connected(); }

  // The lock key of a job writing `room` or creating `username`: rooms and users, ordered apart.
  static std::string room_lock(const std::string& room) { return "r:" + room; }
  static std::string user_lock(const std::string& username) { return "u:" + username; }
  // Every job runs in a savepoint (see above).
  static constexpr common::Savepoint kOneStatement = common::Savepoint::needed;
  static common::Savepoint append_savepoint(const NewMessage& /*message*/) { return common::Savepoint::needed; }

 private:
  Committer(std::string url, LinkOptions options) : link_(std::move(url), std::move(options), "writer") {}

  // Runs one job inside a savepoint; false when the enclosing transaction is gone or unusable.
  bool run_in_savepoint(WriteOps& ops, Job& job);

  Link<WriteOps> link_;
};

}  // namespace parley::store::postgres

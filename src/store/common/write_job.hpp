#pragma once
// One queued write of a group-committing writer, generic over the writer's statement set `Ops`: its work (run
// inside the batch transaction) and its callback (run after the commit, or with the error that replaced the
// outcome when the batch could not commit).
// Thread safety: none; after submission only the writer thread touches a job.
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "store/common/deliver.hpp"
#include "store/store.hpp"

namespace parley::store::common {

// Whether a failed job can leave changes behind that a savepoint must undo. `not_needed` is for work that
// changes nothing unless it succeeds (e.g. one statement: SQLite undoes a failed statement on its own).
enum class Savepoint { needed, not_needed };

template <class Ops>
class WriteJob {
 public:
  virtual ~WriteJob() = default;
  // Runs the work; true when it succeeded, false when its savepoint must be rolled back.
  virtual bool run(Ops& ops) = 0;
  // Replaces the outcome with `error`: the batch did not commit.
  virtual void fail(const core::Error& error) = 0;
  // Hands the outcome to the callback.
  virtual void finish() = 0;
  // The row this job locks first (e.g. "r:" + room), used by writers that order lock acquisition to rule out
  // deadlocks between concurrent transactions; empty when the job locks nothing in particular.
  virtual const std::string& lock_key() const = 0;
  // For writers that give each job a savepoint.
  virtual Savepoint savepoint() const = 0;
};

// A WriteJob whose work answers a core::Result<T> handed to a Callback<T>.
// Thread safety: as WriteJob.
template <class Ops, class T>
class TypedWriteJob final : public WriteJob<Ops> {
 public:
  TypedWriteJob(std::function<core::Result<T>(Ops&)> work, Callback<T> done, std::string lock_key = {},
                Savepoint savepoint = Savepoint::needed)
      : work_(std::move(work)), done_(std::move(done)), lock_key_(std::move(lock_key)), savepoint_(savepoint) {}

  bool run(Ops& ops) override {
    outcome_.emplace(guarded<T>([&] { return work_(ops); }));
    return outcome_->ok();
  }
  void fail(const core::Error& error) override { outcome_.emplace(error); }
  void finish() override {
    if (!outcome_) outcome_.emplace(core::Error{core::ErrorCode::internal, "write job did not run"});
    deliver<T>(done_, std::move(*outcome_));
  }
  const std::string& lock_key() const override { return lock_key_; }
  Savepoint savepoint() const override { return savepoint_; }

 private:
  std::function<core::Result<T>(Ops&)> work_;
  Callback<T> done_;
  std::string lock_key_;
  Savepoint savepoint_;
  std::optional<core::Result<T>> outcome_;
};

}  // namespace parley::store::common

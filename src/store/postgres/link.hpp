#pragma once
// A self-healing connection: a Connection plus the statements `Ops` prepared on it. When the connection breaks,
// the next get() reconnects and prepares again, at once the first time and then no more often than an
// exponential backoff allows; in between, get() answers `unavailable` without touching the network, so a dead
// server costs callers no waiting.
// `Statements` must provide `static core::Result<Statements> prepare(Connection&)` and keep using that
// Connection. A Link<ReadOps> is a reader of the store's ReaderPool (store/common/reader_pool.hpp).
// Thread safety: none; a Link belongs to one store thread.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "store/postgres/connection.hpp"

namespace parley::store::postgres {

// How a Link reconnects.
struct LinkOptions {
  ConnectOptions connect;
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
};

template <class Statements>
class Link {
 public:
  using Ops = Statements;
  using Clock = std::chrono::steady_clock;

  // A Link to `url`; `name` labels it in logs ("writer", "reader 1").
  Link(std::string url, LinkOptions options, std::string name)
      : url_(std::move(url)), options_(std::move(options)), name_(std::move(name)) {}

  // Connects (or adopts `connection`) and prepares the statements; an error when either fails.
  core::Result<core::Unit> open(std::optional<Connection> connection = std::nullopt) {
    if (!connection) {
      core::Result<Connection> connected = Connection::connect(url_, options_.connect);
      if (!connected) return connected.error();
      connection.emplace(std::move(*connected));
    }
    auto owned = std::make_unique<Connection>(std::move(*connection));
    core::Result<Ops> ops = Ops::prepare(*owned);
    if (!ops) return ops.error();
    connection_ = std::move(owned);
    ops_.emplace(std::move(*ops));
    return core::Unit{};
  }

  // The statements on a healthy connection, reconnecting first if the connection broke and the backoff
  // allows; `unavailable` otherwise.
  core::Result<Ops*> get() {
    if (connection_ && connection_->ok()) return &*ops_;
    if (connection_) drop("connection lost");
    const Clock::time_point now = Clock::now();
    if (now < next_attempt_) {
      return core::Error{core::ErrorCode::unavailable, "postgres unavailable (" + last_error_ + "); retrying in " +
                                                           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now).count()) + " ms"};
    }
    if (auto opened = open(); !opened) {
      backoff_ = std::clamp(backoff_ * 2, options_.min_backoff, options_.max_backoff);
      next_attempt_ = Clock::now() + backoff_;
      last_error_ = opened.error().message;
      return core::Error{core::ErrorCode::unavailable, opened.error().message};
    }
    spdlog::info("postgres store {}: connected to {}", name_, redact(url_));
    backoff_ = std::chrono::milliseconds{0};
    return &*ops_;
  }

  // True while the current connection is usable.
  bool connected() const { return connection_ && connection_->ok(); }

  // Whether a write may still succeed after a read failed with `error`: not when the server is unreachable.
  static bool writer_may_succeed_after(const core::Error& error) {
    return error.code != core::ErrorCode::unavailable;
  }

 private:
  // Forgets the broken connection; the next get() may reconnect at once if no backoff is pending.
  void drop(const std::string& why) {
    spdlog::warn("postgres store {}: {}; reconnecting", name_, why);
    last_error_ = why;
    ops_.reset();
    connection_.reset();
  }

  std::string url_;
  LinkOptions options_;
  std::string name_;
  std::unique_ptr<Connection> connection_;  // stable address: ops_ points into it
  std::optional<Ops> ops_;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point next_attempt_{};
  std::string last_error_ = "not connected";
};

}  // namespace parley::store::postgres

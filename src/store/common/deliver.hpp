#pragma once
// Runs a caller's callback on a store thread without letting an exception escape into the store's loop.
// Thread safety: stateless.
#include <exception>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "store/store.hpp"

namespace parley::store::common {

// Calls `done(result)` if `done` is set. An exception thrown by the callback is a bug of the caller: it is
// logged and swallowed so the store thread keeps serving everyone else.
template <class T>
void deliver(const Callback<T>& done, core::Result<T> result) noexcept {
  if (!done) return;
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    spdlog::error("store callback threw: {}", e.what());
  } catch (...) {
    spdlog::error("store callback threw a non-standard exception");
  }
}

// Runs `work()` and answers its result; an exception (e.g. std::bad_alloc) becomes an `internal` error.
template <class T, class Work>
core::Result<T> guarded(Work&& work) noexcept {
  try {
    return work();
  } catch (const std::exception& e) {
    return core::Error{core::ErrorCode::internal, std::string("store job failed: ") + e.what()};
  } catch (...) {
    return core::Error{core::ErrorCode::internal, "store job failed"};
  }
}

}  // namespace parley::store::common

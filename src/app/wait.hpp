#pragma once
// Blocking wait on an asynchronous store call: for start-up and command-line tools only, never on a loop.
#include <future>

#include "core/error.hpp"

namespace parley::app {

template <class T, class Start>
core::Result<T> wait_for(Start start) {
  auto promise = std::make_shared<std::promise<core::Result<T>>>();
  auto future = promise->get_future();
  start([promise](core::Result<T> r) { promise->set_value(std::move(r)); });
  return future.get();
}

}  // namespace parley::app

#pragma once
// on_loop: run a continuation on a session's own loop, from a store, broker or presence thread.
#include <boost/asio/post.hpp>

#include "chat/session.hpp"

namespace parley::chat {

// Posts `fn` to the session's loop; it runs only if the session is still open then.
template <class F>
void on_loop(const SessionPtr& session, F&& fn) {
  boost::asio::post(session->executor(), [session, fn = std::forward<F>(fn)]() mutable {
    if (session->is_open()) fn();
  });
}

}  // namespace parley::chat

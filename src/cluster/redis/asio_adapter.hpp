#pragma once
// Drives a hiredis redisAsyncContext from an Asio io_context (hiredis ships no Boost adapter): the socket's
// read/write readiness is awaited with stream_descriptor::async_wait and handed to redisAsyncHandleRead/Write.
// The descriptor is never closed here (hiredis owns it): cleanup releases it.
// Thread safety: attach and every hiredis call on that context must happen on the io_context's thread.
#include <hiredis/async.h>

#include <boost/asio/io_context.hpp>

namespace parley::cluster::redis {

// Installs the ev hooks on `context` so that it runs on `io`. Call right after redisAsyncConnect succeeds.
// Answers false if the context already has an adapter.
bool attach_asio(redisAsyncContext* context, boost::asio::io_context& io);

}  // namespace parley::cluster::redis

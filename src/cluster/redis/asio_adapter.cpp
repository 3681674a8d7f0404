#include "cluster/redis/asio_adapter.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>

namespace parley::cluster::redis {

namespace asio = boost::asio;

namespace {

// One per context. Kept alive by the pending waits as well as by the context, so a wait that completes
// after hiredis freed the context finds `context == nullptr` and stops.
struct Adapter : std::enable_shared_from_this<Adapter> {
  Adapter(redisAsyncContext* c, asio::io_context& io) : context(c), socket(io, c->c.fd) {}
  redisAsyncContext* context;
  asio::posix::stream_descriptor socket;
  bool want_read = false, want_write = false;
  bool read_pending = false, write_pending = false;
  std::shared_ptr<Adapter> self;  // the context's reference, dropped by cleanup

  void arm_read() {
    if (read_pending || !context) return;
    read_pending = true;
    socket.async_wait(asio::posix::stream_descriptor::wait_read,
                      [a = shared_from_this()](boost::system::error_code ec) {
                        a->read_pending = false;
                        if (ec || !a->context || !a->want_read) return;
                        redisAsyncHandleRead(a->context);  // may free the context (cleanup runs)
                        if (a->context && a->want_read) a->arm_read();
                      });
  }
  void arm_write() {
    if (write_pending || !context) return;
    write_pending = true;
    socket.async_wait(asio::posix::stream_descriptor::wait_write,
                      [a = shared_from_this()](boost::system::error_code ec) {
                        a->write_pending = false;
                        if (ec || !a->context || !a->want_write) return;
                        redisAsyncHandleWrite(a->context);
                        if (a->context && a->want_write) a->arm_write();
                      });
  }
};

Adapter* of(void* p) { return static_cast<Adapter*>(p); }

void add_read(void* p) {
  of(p)->want_read = true;
  of(p)->arm_read();
}
void del_read(void* p) { of(p)->want_read = false; }
void add_write(void* p) {
  of(p)->want_write = true;
  of(p)->arm_write();
}
void del_write(void* p) { of(p)->want_write = false; }
void cleanup(void* p) {
  auto a = of(p)->self;  // keep alive to the end of this function
  a->context = nullptr;
  a->want_read = a->want_write = false;
  boost::system::error_code ignored;
  a->socket.cancel(ignored);
  a->socket.release();  // hiredis closes the descriptor
  a->self.reset();
}

}  // namespace

bool attach_asio(redisAsyncContext* c, asio::io_context& io) {
  if (c->ev.data != nullptr) return false;
  auto adapter = std::make_shared<Adapter>(c, io);
  adapter->self = adapter;
  c->ev.data = adapter.get();
  c->ev.addRead = add_read;
  c->ev.delRead = del_read;
  c->ev.addWrite = add_write;
  c->ev.delWrite = del_write;
  c->ev.cleanup = cleanup;
  // hiredis 0.14 finishes a non-blocking connect on the first write readiness: wait for it now, so the
  // connect callback runs even before any command is queued.
  add_write(adapter.get());
  return true;
}

}  // namespace parley::cluster::redis

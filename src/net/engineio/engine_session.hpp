#pragma once
// EngineSession: one Engine.IO v4 session (sid) that starts with HTTP long-polling, and may move to a
// WebSocket after the upgrade (probe 2probe/3probe, the waiting GET answered 6, then 5); in conformance mode
// also one born on a WebSocket (outside it, those are SocketIoConnections). It owns the session's bounded outbound buffer, the heartbeat (server ping, client pong) and the
// close handshake; the layer above (Socket.IO, or the echo of conformance mode) is its Handler.
//
// Polling requests may arrive on any TCP connection, hence on any loop: the HTTP side finds the session in
// the node-wide Registry and posts on_poll/on_post to the session's loop; the answer goes back through a
// PollResponder that the HTTP side posts to its own loop. A GET waits (never blocking a thread) until
// packets are queued; the heartbeat queues a ping every ping interval, so a GET never waits longer.
//
// On a WebSocket the session keeps no queue of its own: packets go straight into the WebSocket core's queue
// (WsTransport), which also runs the heartbeat and the session's deadline. While polling, the session keeps
// its own buffer, heartbeat timer and deadline (in the loop's ExpiryService), and hands them to the
// WebSocket when the upgrade completes.
//
// Outbound: shared Delivery buffers are kept as they are (never copied per recipient): on the WebSocket the
// delivery's whole 42[...] frame is written; on polling the answer is a list of pieces written with one
// gather write. Past the byte limit (--send-queue-bytes) the session is cut off as a slow reader.
// Thread safety: lives on one loop; every member function runs there, except executor()/sid().
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat/delivery.hpp"
#include "net/engineio/options.hpp"
#include "net/engineio/registry.hpp"
#include "net/engineio/ws_transport.hpp"
#include "net/expiry_service.hpp"
#include "protocol/engineio.hpp"

namespace parley::net::engineio {

// One piece of a polling answer body: a shared delivery's Socket.IO packet, or owned bytes.
struct PollPiece {
  chat::DeliveryPtr delivery;
  std::string text;
  const std::string& bytes() const { return delivery ? delivery->socketio_packet : text; }
};

// The answer to one polling request.
struct PollAnswer {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=UTF-8";
  std::vector<PollPiece> pieces;
};
// Delivers the answer; called exactly once, on the session's loop.
using PollResponder = std::function<void(PollAnswer)>;

// A 400 (or other status) answer with the reference server's {"code","message"} body.
PollAnswer error_answer(int engineio_code, unsigned status = 400);

class EngineSession : public WsTransport::Listener,
                            public Expiring,
                            public std::enable_shared_from_this<EngineSession> {
 public:
  using LoopExecutor = WsCore::LoopExecutor;

  // The layer above the session.
  class Handler {
   public:
    virtual ~Handler() = default;
    // The session is open (handshake sent).
    virtual void on_open(EngineSession& session) = 0;
    // One message from the client (text or binary).
    virtual void on_message(EngineSession& session, std::string data, bool binary) = 0;
    // The deadline set with set_deadline() has passed.
    virtual void on_deadline(EngineSession& session) = 0;
    // The session ended; called once.
    virtual void on_close(EngineSession& session, std::string_view reason) = 0;
  };

  // What every session of a Service shares; the Service owns it and outlives its sessions.
  struct Config {
    Options options;
    size_t send_queue_bytes = 1 << 20;
    WsCore::Heartbeat heartbeat;  // the options' ping interval and timeout, for the WebSocket core
  };

  // `token`: a token found on the handshake request (query / header), if any.
  EngineSession(LoopExecutor executor, size_t loop_index, std::string sid, const Config& config,
                std::optional<std::string> token, Registry& registry);
  ~EngineSession();

  const std::string& sid() const { return sid_; }
  const LoopExecutor& executor() const { return executor_; }
  size_t loop_index() const { return loop_index_; }
  const std::string* handshake_token() const { return token_.get(); }
  const Options& options() const { return config_.options; }

  // Sets the layer above; it must live as long as the session (a SocketIoSession holds its own; the echo
  // handler is stateless and shared).
  void set_handler(Handler* handler) { handler_ = handler; }

  // Opens a polling session: registers it and answers its handshake GET through `respond`.
  void open_polling(PollResponder respond);
  // Opens a session on a WebSocket (no polling first): registers it and sends the handshake.
  void open_websocket(std::shared_ptr<WsTransport> transport, std::string_view initial);
  // A GET of this session.
  void on_poll(PollResponder respond);
  // A POST of this session with its body.
  void on_post(std::string body, PollResponder respond);
  // A WebSocket that asks to upgrade this polling session (closed at once if it may not).
  void on_upgrade(std::shared_ptr<WsTransport> transport, std::string initial);

  // Queues a message (type 4); false if the session is closing or was cut off.
  bool send_message(std::string_view data, bool binary = false);
  // Queues a shared delivery (4 + its Socket.IO packet); false if closing or cut off.
  bool send_delivery(const chat::DeliveryPtr& delivery);
  // Bytes queued and in flight.
  size_t queued_bytes() const;
  // Runs `fn` on this loop once queued_bytes() <= threshold; never if the session closes first.
  void when_drained(size_t threshold, std::function<void()> fn);
  bool is_open() const { return !closing_ && !finished_; }
  // Calls the handler's on_deadline() at `at_ms` (ms since the epoch), replacing an earlier deadline.
  void set_deadline(int64_t at_ms);

  // Server-side close: queued packets go out first, then the Engine.IO close (polling) or a WebSocket close
  // frame with `ws_code` (WebSocket). Never closes synchronously: safe from inside a fan-out loop.
  void close(std::string reason, uint16_t ws_code = protocol::ws::close_code::normal);

  // WsTransport::Listener
  void on_ws_message(WsTransport& transport, std::string& payload, bool binary) override;
  void on_ws_written(WsTransport& transport) override;
  void on_ws_deadline(WsTransport& transport) override;
  void on_ws_heartbeat_lost(WsTransport& transport) override;
  void on_ws_closed(WsTransport& transport) override;

 private:
  // A packet waiting for a GET (polling) or for the upgrade to complete.
  struct Out {
    protocol::engineio::PacketType type = protocol::engineio::PacketType::message;
    chat::DeliveryPtr delivery;
    std::string data;
    bool binary = false;
    size_t size() const { return 1 + (delivery ? delivery->socketio_packet.size() : data.size()); }
  };
  struct DrainWaiter {
    size_t threshold;
    std::function<void()> fn;
  };

  void register_open();
  bool enqueue(Out out);
  // Writes `out` into the WebSocket's queue; false if it was cut off.
  bool send_ws(Out& out);
  void schedule_flush();
  void flush();
  void answer_poll(std::vector<PollPiece> pieces);
  void on_packet(protocol::engineio::Packet packet);
  void start_heartbeat();
  void on_heartbeat_timer();
  void complete_upgrade();
  void on_expired() override;
  void do_close(std::string reason, uint16_t ws_code);
  // Ends the session: unregisters it, answers a waiting GET (`poll_packet`), closes transports, tells the
  // handler. Idempotent.
  void finish(std::string_view reason, protocol::engineio::PacketType poll_packet);
  void notify_drained();

  LoopExecutor executor_;
  size_t loop_index_;
  std::string sid_;
  const Config& config_;
  std::unique_ptr<std::string> token_;  // the handshake request's token; null: none
  Registry& registry_;
  Handler* handler_ = nullptr;

  // What only a polling session needs, until its upgrade completes: a session born on a WebSocket (most of
  // them) never has it, and an upgraded one drops it.
  struct Polling {
    std::vector<Out> buffer;  // a vector: an empty deque costs ~600 bytes
    size_t buffer_bytes = 0;
    PollResponder poll;                   // the waiting GET, if any
    std::shared_ptr<WsTransport> probe;   // a WebSocket being probed for the upgrade
    std::unique_ptr<boost::asio::steady_timer> heartbeat_timer;
    std::unique_ptr<boost::asio::steady_timer> close_timer;  // once closing
  };
  // The polling state, made on first use.
  Polling& polling() {
    if (!polling_) polling_ = std::make_unique<Polling>();
    return *polling_;
  }
  bool probing(const WsTransport& transport) const { return polling_ && polling_->probe.get() == &transport; }

  std::unique_ptr<Polling> polling_;
  std::shared_ptr<WsTransport> ws_;      // the WebSocket transport once active
  std::unique_ptr<DrainWaiter> drained_;  // only while a join replays
  int64_t deadline_ms_ = WsCore::never;
  uint16_t close_ws_code_ = protocol::ws::close_code::normal;
  bool upgrading_ = false;  // probe answered: GETs are answered with noop
  bool awaiting_pong_ = false;
  bool flush_scheduled_ = false;
  bool closing_ = false;
  bool finished_ = false;
  bool counted_ = false;
};

}  // namespace parley::net::engineio

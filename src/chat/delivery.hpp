#pragma once
// Delivery: one server push, encoded once per wire format and shared by every recipient on a loop.
// Envelope: how a Delivery travels through the Broker between nodes (and through the local broker).
// Thread safety: a Delivery is immutable once made; share it freely as DeliveryPtr.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::chat {

struct Delivery {
  std::string room;                 // room messages only: with seq, orders and de-duplicates per recipient
  int64_t seq = 0;                  // 0: not a sequenced room message
  int64_t exclude_user = 0;         // 0: none; else this user's connections skip it ("other users")
  std::string exclude_connection;   // empty: none; else that one connection skips it (sender's own)
  std::string native_ws_frame;      // {"event":E,"data":D} as a whole WebSocket text frame (header included)
  // Made only while the node has Socket.IO sessions (count_socketio_sessions); else empty, and a Socket.IO
  // session that meets such a delivery makes its own copy (with_socketio).
  std::string socketio_packet;      // 2["E",D] (Socket.IO EVENT; the transport adds Engine.IO framing)
  std::string socketio_ws_frame;    // 42["E",D] as a whole WebSocket text frame
  // Where the quoted event and the data JSON sit in native_ws_frame (to build the Socket.IO forms later).
  uint32_t event_at = 0, event_len = 0, data_at = 0, data_len = 0;
};
using DeliveryPtr = std::shared_ptr<const Delivery>;

// Socket.IO sessions on this node come and go (+1 / -1); while there are none, deliveries skip the Socket.IO
// encodings. Thread safe.
void count_socketio_sessions(int delta);
// `d` itself when it has its Socket.IO forms, else a copy with them.
DeliveryPtr with_socketio(const DeliveryPtr& d);

struct EnvelopeFields {
  std::string_view event;
  std::string_view data_json;
  std::string_view room;
  int64_t seq = 0;
  int64_t exclude_user = 0;
  std::string_view exclude_connection;
};

// The broker payload carrying these fields: a small line-based header, then the JSON data.
std::string encode_envelope(const EnvelopeFields& fields);
// The Delivery a payload describes, with both wire encodings made; empty for a malformed payload.
std::optional<Delivery> decode_envelope(std::string_view payload);
// A Delivery for one push made here (no broker): every encoding of {event, data}.
DeliveryPtr make_delivery(std::string_view event, std::string_view data_json);
// The Delivery `fields` describe, made without the envelope's round trip (what decode_envelope would give for
// encode_envelope(fields)): for a node whose broker is in process.
DeliveryPtr make_delivery(const EnvelopeFields& fields);

}  // namespace parley::chat

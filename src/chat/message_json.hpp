#pragma once
// The one encoder of stored messages (docs/protocol.md §3 and §8), for every path that sends one: the live push,
// a join's replay, a gap fill, history pages, DMs. Serialized by hand, once per message (no JSON DOM).
// Thread safety: stateless.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "chat/delivery.hpp"
#include "store/store.hpp"

namespace parley::chat {

// The event that pushes a stored message: message:private:received in a conversation, else message:received.
std::string_view message_event(const store::StoredMessage& m);
// Its data: in a room {id, room, seq, from:{id,username}, text, ts, clientMsgId?}; in a conversation
// {id, seq, from:{id,username}, to, text, ts, clientMsgId?}, `to` being the other user of the pair.
std::string message_data_json(const store::StoredMessage& m);
// The same, for a caller that already has `pair` = store::conversation_users(m.room) (the live path parses
// the key once for all it does with a message).
std::string message_data_json(const store::StoredMessage& m, const std::optional<std::pair<int64_t, int64_t>>& pair);
// The push of a stored message to one connection, with room (or conversation key) and seq set so the
// connection orders it (room_order.hpp).
DeliveryPtr message_delivery(const store::StoredMessage& m);
// {"messages":[...]}, each as message_data_json.
std::string messages_json(const std::vector<store::StoredMessage>& messages);

}  // namespace parley::chat

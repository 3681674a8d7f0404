#pragma once
// JSON shapes of chat messages as pushed and listed (docs/protocol.md §3). Thread safety: stateless.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace parley::chat {

// {id, room, seq, from:{id,username}, text, ts, clientMsgId?}
boost::json::object message_json(const store::StoredMessage& m);
// {"messages":[...]} serialized.
std::string messages_json(const std::vector<store::StoredMessage>& messages);

}  // namespace parley::chat

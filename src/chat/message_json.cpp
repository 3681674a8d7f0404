#include "chat/message_json.hpp"

namespace parley::chat {

namespace json = boost::json;

json::object message_json(const store::StoredMessage& m) {
  json::object o;
  o["id"] = m.id;
  o["room"] = m.room;
  o["seq"] = m.seq;
  o["from"] = json::object{{"id", m.from_id}, {"username", m.from_name}};
  o["text"] = m.text;
  o["ts"] = m.ts;
  if (!m.client_msg_id.empty()) o["clientMsgId"] = m.client_msg_id;
  return o;
}

std::string messages_json(const std::vector<store::StoredMessage>& messages) {
  json::array list;
  list.reserve(messages.size());
  for (auto& m : messages) list.push_back(message_json(m));
  return json::serialize(json::object{{"messages", std::move(list)}});
}

}  // namespace parley::chat

#include "chat/message_json.hpp"

#include "protocol/native.hpp"

namespace parley::chat {

std::string_view message_event(const store::StoredMessage& m) {
  return store::is_conversation(m.room) ? "message:private:received" : "message:received";
}

std::string message_data_json(const store::StoredMessage& m) {
  return message_data_json(m, store::conversation_users(m.room));
}

std::string message_data_json(const store::StoredMessage& m, const std::optional<std::pair<int64_t, int64_t>>& pair) {
  std::string out;
  out.reserve(m.text.size() + m.id.size() + m.room.size() + m.from_name.size() + m.client_msg_id.size() + 96);
  out += R"({"id":)";
  protocol::append_json_string(out, m.id);
  if (!pair) {
    out += R"(,"room":)";
    protocol::append_json_string(out, m.room);
  }
  out += R"(,"seq":)";
  protocol::append_int(out, m.seq);
  out += R"(,"from":{"id":)";
  protocol::append_int(out, m.from_id);
  out += R"(,"username":)";
  protocol::append_json_string(out, m.from_name);
  out += '}';
  if (pair) {
    out += R"(,"to":)";
    protocol::append_int(out, m.from_id == pair->first ? pair->second : pair->first);
  }
  out += R"(,"text":)";
  protocol::append_json_string(out, m.text);
  out += R"(,"ts":)";
  protocol::append_int(out, m.ts);
  if (!m.client_msg_id.empty()) {
    out += R"(,"clientMsgId":)";
    protocol::append_json_string(out, m.client_msg_id);
  }
  out += '}';
  return out;
}

DeliveryPtr message_delivery(const store::StoredMessage& m) {
  auto d = std::make_shared<Delivery>(*make_delivery(message_event(m), message_data_json(m)));
  d->room = m.room;
  d->seq = m.seq;
  return d;
}

std::string messages_json(const std::vector<store::StoredMessage>& messages) {
  std::string out = R"({"messages":[)";
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) out += ',';
    out += message_data_json(messages[i]);
  }
  out += "]}";
  return out;
}

}  // namespace parley::chat

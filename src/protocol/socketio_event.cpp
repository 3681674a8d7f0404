#include "protocol/socketio_event.hpp"

#include "protocol/native.hpp"

namespace parley::protocol {

std::string encode_socketio_event(std::string_view event, std::string_view data_json) {
  std::string out = "2[";
  out += json_quote(event);
  out += ',';
  out += data_json.empty() ? std::string_view("null") : data_json;
  out += ']';
  return out;
}

}  // namespace parley::protocol

// libFuzzer target: the checks every client event's data goes through (chat/validation): room names, texts
// (UTF-8, code points), clientMsgIds, user ids, paging and integer fields, passwords. Any JSON (or not JSON)
// must be accepted or refused with a code, without a crash; what is accepted must satisfy the contract's rule.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/json.hpp>

#include "chat/validation.hpp"
#include "core/utf8.hpp"

namespace chat = parley::chat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)chat::password_problem(input);
  (void)chat::is_valid_username(input);
  (void)chat::is_valid_event_name(input);
  if (chat::is_valid_room_name(input) && (input.empty() || input.size() > 64)) std::abort();

  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(input, ec);
  if (ec) return 0;
  if (auto room = chat::room_field(value); room && !chat::is_valid_room_name(*room)) std::abort();
  if (auto text = chat::text_field(value, "text", 4000)) {
    auto chars = parley::core::utf8_code_points(*text);
    if (!chars || *chars == 0 || *chars > 4000) std::abort();
  }
  if (auto key = chat::client_msg_id_field(value); key && !key->empty()) {
    auto chars = parley::core::utf8_code_points(*key);
    if (!chars || *chars > 64) std::abort();
  }
  if (const auto* object = value.if_object()) {
    for (const auto& [name, field] : *object) {
      if (chat::user_id_value(field) < 0) std::abort();
      (void)name;
    }
  }
  if (auto page = chat::page_fields(value); page && (page->limit < 1 || page->limit > 100)) std::abort();
  if (auto since = chat::optional_int_field(value, "since"); since && since->has_value() && **since < 0) std::abort();
  return 0;
}

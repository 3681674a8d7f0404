#include "core/json.hpp"

#include <cmath>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>

namespace parley::core {

namespace json = boost::json;

namespace {
bool all_finite(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_: return std::isfinite(v.get_double());
    case json::kind::array:
      for (const auto& e : v.get_array())
        if (!all_finite(e)) return false;
      return true;
    case json::kind::object:
      for (const auto& kv : v.get_object())
        if (!all_finite(kv.value())) return false;
      return true;
    default: return true;
  }
}
// A monotonic arena whose first block is inside it (json::monotonic_resource is final, so it is a member).
// Sized so that the whole allocation stays in glibc's per-thread cache (chunks up to 1,032 bytes): a request of
// a few hundred bytes fits with room to spare; a bigger one continues in blocks from the default storage.
class RequestArena final : public json::memory_resource {
 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override { return arena_.allocate(bytes, alignment); }
  void do_deallocate(void*, std::size_t, std::size_t) override {}  // all at once, with the arena
  bool do_is_equal(const json::memory_resource& other) const noexcept override { return this == &other; }

  alignas(16) unsigned char buffer_[768];
  json::monotonic_resource arena_{buffer_, sizeof buffer_};
};

}  // namespace

}  // namespace parley::core

// Values on this storage skip their destructors' walk: freeing is the arena's.
template <>
struct boost::json::is_deallocate_trivial<parley::core::RequestArena> : std::true_type {};

namespace parley::core {

json::storage_ptr request_storage() { return json::make_shared_resource<RequestArena>(); }

// One parser per thread, reused (what json::parse does, without building and tearing down a parser and its
// stack for every request): reset onto the caller's storage, parse, release the value.
Result<json::value> parse_json(std::string_view text, json::storage_ptr storage) {
  thread_local json::parser parser(json::storage_ptr(), [] {
    json::parse_options options;
    options.max_depth = max_json_depth;
    return options;
  }());
  json::error_code ec;
  parser.reset(std::move(storage));
  parser.write(text.data(), text.size(), ec);
  if (ec) {
    parser.reset();  // lets go of the caller's storage
    return Error{ErrorCode::bad_request, "invalid JSON: " + ec.message()};
  }
  json::value v = parser.release();
  if (!all_finite(v)) return Error{ErrorCode::bad_request, "invalid JSON: number out of range"};
  return v;
}

}  // namespace parley::core

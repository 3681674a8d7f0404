#pragma once
// ConnectionId: a connection's id, unique in the cluster: "<node id>:<n>" (n counts the node's connections).
// Kept as its two parts, the node's id being the Node's own string: 16 bytes and no block in every connection,
// where the string took 32 bytes and, past 15 characters, a block of its own.
// Thread safety: immutable.
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::chat {

class ConnectionId {
 public:
  ConnectionId() = default;
  // `node` must outlive the id (the Node's id does: sessions end before their Node).
  ConnectionId(const std::string& node, uint64_t number) : node_(&node), number_(number) {}

  // "<node>:<n>".
  std::string str() const;
  // Whether `id` is this id's str(), without building it (the fan-out asks for every recipient).
  bool operator==(std::string_view id) const;

 private:
  const std::string* node_ = nullptr;
  uint64_t number_ = 0;
};

}  // namespace parley::chat

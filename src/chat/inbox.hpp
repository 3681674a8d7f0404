#pragma once
// Inbox: the deliveries that other threads (the store's writer, a broker's reader) hand to one event loop,
// and the replies the writer hands to senders on it. The loop takes them in one posted handler per batch
// instead of one per delivery or reply, and each channel's share of a batch goes to the Hub at once
// (Hub::deliver), so under load a room's members are visited once for several of its messages rather than
// once per message.
// Thread safety: add() from any thread; take() on the loop that drains it.
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chat/delivery.hpp"
#include "chat/session.hpp"
#include "protocol/native.hpp"

namespace parley::chat {

// The answer to a stored message's sender ({"id","seq","ts"} and, for a direct message, "to"), as fields: the
// loop writes the JSON when it sends it.
struct SentReply {
  SessionPtr session;
  protocol::Request request;  // event and id only
  std::string message_id;
  std::string room;           // the room, or the conversation key
  int64_t seq = 0;
  int64_t ts = 0;
  int64_t to = 0;             // a direct message's recipient; 0 for a room message
};

class Inbox {
 public:
  struct Entry {
    std::string channel;
    DeliveryPtr delivery;
  };

  // Each answers true when the inbox was empty: the caller then posts the handler that will take it.
  bool add(std::string channel, DeliveryPtr delivery) {
    std::lock_guard lock(mutex_);
    entries_.push_back({std::move(channel), std::move(delivery)});
    return entries_.size() + replies_.size() == 1;
  }
  bool add(std::span<Entry> entries) {
    std::lock_guard lock(mutex_);
    for (Entry& entry : entries) entries_.push_back(std::move(entry));
    return entries_.size() + replies_.size() == entries.size();
  }
  bool add(SentReply reply) {
    std::lock_guard lock(mutex_);
    replies_.push_back(std::move(reply));
    return entries_.size() + replies_.size() == 1;
  }

  // Replaces `entries` and `replies` (cleared first; their capacity is handed back for the next batch) with
  // everything added so far, oldest first.
  void take(std::vector<Entry>& entries, std::vector<SentReply>& replies) {
    entries.clear();
    replies.clear();
    std::lock_guard lock(mutex_);
    entries.swap(entries_);
    replies.swap(replies_);
  }

 private:
  std::mutex mutex_;
  std::vector<Entry> entries_;
  std::vector<SentReply> replies_;
};

// A batch regrouped by channel: the channels in order of first appearance, each with its deliveries in
// their order. Deliveries of different channels in one batch were published concurrently, so nothing
// orders them; within a channel (a room's seqs) the order is kept.
class ChannelGroups {
 public:
  void regroup(std::vector<Inbox::Entry>& batch);
  // Lets go of the deliveries (their capacity stays for the next batch), so that a quiet loop does not keep
  // its last batch alive.
  void clear() {
    channels_.clear();
    deliveries_.clear();
  }
  size_t size() const { return channels_.size(); }
  const std::string& channel(size_t group) const { return *channels_[group]; }
  std::span<const DeliveryPtr> deliveries(size_t group) const {
    return std::span<const DeliveryPtr>(deliveries_).subspan(starts_[group], starts_[group + 1] - starts_[group]);
  }

 private:
  std::vector<const std::string*> channels_;  // into the batch, which must outlive the groups' use
  std::vector<uint32_t> starts_;              // group g is deliveries_[starts_[g], starts_[g + 1])
  std::vector<DeliveryPtr> deliveries_;
  // Scratch of regroup(), kept so that a batch reuses the last one's storage.
  std::vector<uint32_t> group_of_;            // per batch entry
  std::vector<uint32_t> next_;                // per group: where its next delivery goes
  static constexpr size_t kScanUpTo = 32;  // batches up to this size find their channels without the map
  std::unordered_map<std::string_view, uint32_t> group_of_channel_;
};

}  // namespace parley::chat

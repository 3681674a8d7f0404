#include "chat/inbox.hpp"

namespace parley::chat {

void ChannelGroups::regroup(std::vector<Inbox::Entry>& batch) {
  channels_.clear();
  deliveries_.clear();
  group_of_.clear();
  // A small batch (the usual one) finds its channels by scanning them: the hash map's clear() alone costs
  // as much as its bucket array, which keeps the size of the biggest batch ever seen.
  const bool small = batch.size() <= kScanUpTo;
  if (!small) group_of_channel_.clear();
  for (const Inbox::Entry& entry : batch) {
    uint32_t group = static_cast<uint32_t>(channels_.size());
    if (small) {
      for (uint32_t g = 0; g < channels_.size(); ++g)
        if (*channels_[g] == entry.channel) {
          group = g;
          break;
        }
    } else {
      group = group_of_channel_.try_emplace(entry.channel, group).first->second;
    }
    if (group == channels_.size()) channels_.push_back(&entry.channel);
    group_of_.push_back(group);
  }
  // A stable counting sort by group.
  starts_.assign(channels_.size() + 1, 0);
  for (uint32_t group : group_of_) ++starts_[group + 1];
  for (size_t g = 1; g < starts_.size(); ++g) starts_[g] += starts_[g - 1];
  deliveries_.resize(batch.size());
  next_.assign(starts_.begin(), starts_.end() - 1);
  for (size_t i = 0; i < batch.size(); ++i) deliveries_[next_[group_of_[i]]++] = std::move(batch[i].delivery);
}

}  // namespace parley::chat

#include "chat/inbox.hpp"

namespace parley::chat {

void ChannelGroups::regroup(std::vector<Inbox::Entry>& batch) {
  channels_.clear();
  deliveries_.clear();
  group_of_.clear();
  group_of_channel_.clear();
  for (const Inbox::Entry& entry : batch) {
    auto [it, fresh] = group_of_channel_.try_emplace(entry.channel, static_cast<uint32_t>(channels_.size()));
    if (fresh) channels_.push_back(&entry.channel);
    group_of_.push_back(it->second);
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

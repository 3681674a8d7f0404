#include "api/attempt_limiter.hpp"

#include <algorithm>

namespace parley::api {

namespace {
constexpr auto kWindow = std::chrono::minutes(1);
}

void AttemptLimiter::expire(Entry& entry, Clock::time_point now) {
  while (!entry.attempts.empty() && entry.attempts.front() <= now - kWindow) entry.attempts.pop_front();
}

std::optional<int64_t> AttemptLimiter::blocked(const std::string& key, Clock::time_point now) {
  if (!enabled()) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  expire(it->second, now);
  if (static_cast<int64_t>(it->second.attempts.size()) < per_minute_) return std::nullopt;
  auto wait = std::chrono::ceil<std::chrono::seconds>(it->second.attempts.front() + kWindow - now);
  return std::max<int64_t>(1, wait.count());
}

void AttemptLimiter::add(const std::string& key, Clock::time_point now) {
  if (!enabled()) return;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) make_room(now);
    lru_.push_front(key);
    it = entries_.emplace(key, Entry{{}, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  Entry& entry = it->second;
  expire(entry, now);
  entry.attempts.push_back(now);
  while (static_cast<int64_t>(entry.attempts.size()) > per_minute_) entry.attempts.pop_front();
}

void AttemptLimiter::clear(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

size_t AttemptLimiter::keys() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

// Drops the keys whose attempts all left the window; if none did, the least recently used one.
void AttemptLimiter::make_room(Clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    expire(it->second, now);
    if (it->second.attempts.empty()) {
      lru_.erase(it->second.lru);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  if (entries_.size() < max_keys_ || lru_.empty()) return;
  entries_.erase(lru_.back());
  lru_.pop_back();
}

}  // namespace parley::api

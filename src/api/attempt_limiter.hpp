#pragma once
// AttemptLimiter: at most `per_minute` attempts per key in any sliding minute (failed logins per username and
// per client address, registrations per address). A key over its limit is told how long until its oldest
// counted attempt leaves the minute (Retry-After). Memory is bounded: at most `max_keys` keys are tracked,
// each with at most `per_minute` timestamps; when full, keys whose attempts all left the window go first,
// then the least recently used.
// Thread safety: every method may be called from any thread (one mutex; logins are not a hot path).
#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace parley::api {

class AttemptLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // per_minute 0: no limit (every call allows).
  explicit AttemptLimiter(int64_t per_minute, size_t max_keys = 100000)
      : per_minute_(per_minute), max_keys_(max_keys) {}

  // nullopt when `key` may attempt now; else the seconds to wait (>= 1).
  std::optional<int64_t> blocked(const std::string& key, Clock::time_point now = Clock::now());
  // Counts one attempt of `key`.
  void add(const std::string& key, Clock::time_point now = Clock::now());
  // Forgets `key`'s attempts (a login that succeeded clears its username's failures).
  void clear(const std::string& key);
  bool enabled() const { return per_minute_ > 0; }
  size_t keys() const;

 private:
  struct Entry {
    std::deque<Clock::time_point> attempts;  // oldest first, within the last minute
    std::list<std::string>::iterator lru;
  };
  void expire(Entry& entry, Clock::time_point now);
  void make_room(Clock::time_point now);

  const int64_t per_minute_;
  const size_t max_keys_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recently used first
};

}  // namespace parley::api

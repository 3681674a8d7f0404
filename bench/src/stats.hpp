#pragma once
// Counters and a latency histogram of one bench worker; merged across threads and processes.
// Thread safety: one Stats per thread (or per process); merge() after the threads are joined.
#include <boost/json.hpp>
#include <cstdint>
#include <vector>

namespace bench {

// Log-linear histogram of microsecond values: exact below 1024 us, then 64 sub-buckets per power of two
// (relative error < 1.6%).
class Histogram {
 public:
  Histogram();
  void record(uint64_t us);
  void merge(const Histogram& other);
  uint64_t count() const { return count_; }
  // Value (us) at quantile q in [0, 1]; 0 when empty.
  uint64_t quantile(double q) const;
  uint64_t max() const { return max_; }
  boost::json::value to_json() const;  // sparse [[bucket, count], ...]
  void from_json(const boost::json::value& v);

 private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

struct Stats {
  uint64_t connected = 0;       // connections that completed the handshake (and auth)
  uint64_t connect_errors = 0;  // failed connects, upgrades or auth
  uint64_t sent = 0;            // messages acknowledged ok
  uint64_t send_errors = 0;     // messages answered with an error (or never answered)
  uint64_t sent_in_window = 0;  // acknowledged ok inside the measured window
  uint64_t expected = 0;        // deliveries the acknowledged messages should cause
  uint64_t received = 0;        // deliveries of bench messages (duplicates included)
  uint64_t unique = 0;          // distinct (receiver, message) pairs
  uint64_t duplicates = 0;
  uint64_t in_window = 0;       // deliveries inside the measured window
  uint64_t disconnects = 0;     // connections the server closed during the run
  Histogram latency;            // of deliveries inside the window

  void merge(const Stats& o);
  boost::json::object to_json() const;
  static Stats from_json(const boost::json::object& o);
};

}  // namespace bench

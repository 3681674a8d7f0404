#pragma once
// Process-wide counters and histograms for /metrics (Prometheus text format).
// Thread safety: every member is atomic; increments are relaxed and safe from any thread.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace parley::core {

// A latency histogram with fixed bucket bounds in seconds.
class Histogram {
 public:
  static constexpr std::array<double, 12> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                 0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  void observe(double seconds);
  // Appends the Prometheus lines of this histogram under `name` to `out`.
  void render(const std::string& name, const std::string& help, std::string& out) const;

 private:
  std::array<std::atomic<uint64_t>, bounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

struct Metrics {
  std::atomic<int64_t> connections{0};          // open real-time connections (all protocols)
  std::atomic<int64_t> engineio_sessions{0};    // Engine.IO sessions in the sid registry (polling ones)
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> messages_in{0};         // client -> server events
  std::atomic<uint64_t> messages_out{0};        // server -> client frames
  std::atomic<uint64_t> deliveries{0};          // events handed to a connection by fan-out
  std::atomic<uint64_t> messages_stored{0};
  std::atomic<uint64_t> broker_published{0};
  std::atomic<uint64_t> broker_received{0};
  std::atomic<uint64_t> broker_envelopes_rejected{0};  // not sealed with the cluster key: dropped
  std::atomic<uint64_t> broker_publish_failures{0};    // publishes Redis did not take (down, NOAUTH, NOPERM)
  std::atomic<uint64_t> slow_clients_dropped{0};
  std::atomic<uint64_t> rate_limited{0};
  std::atomic<uint64_t> http_requests{0};
  std::atomic<uint64_t> protocol_errors{0};
  // Redis Cluster (--broker redis-cluster://): primaries owning slots, slot-map changes after the first map
  // (a failover adds one or more), and MOVED / ASK redirections followed.
  std::atomic<int64_t> redis_cluster_shards{0};
  std::atomic<uint64_t> redis_cluster_topology_changes{0};
  std::atomic<uint64_t> redis_cluster_moved{0};
  std::atomic<uint64_t> redis_cluster_ask{0};
  Histogram store_latency;
  Histogram broker_latency;

  // The whole exposition text.
  std::string render() const;
};

// The one instance of the process.
Metrics& metrics();

}  // namespace parley::core

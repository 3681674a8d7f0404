#include "core/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace parley::core {

void Histogram::observe(double seconds) {
  size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Histogram::render(const std::string& name, const std::string& help, std::string& out) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, bounds[i], cumulative);
  }
  cumulative += buckets_[bounds.size()].load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, cumulative);
  out += fmt::format("{}_sum {}\n{}_count {}\n", name, sum_micros_.load() / 1e6, name, count_.load());
}

namespace {
void counter(std::string& out, const char* name, const char* help, uint64_t value, const char* type = "counter") {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}
}  // namespace

std::string Metrics::render() const {
  std::string out;
  out.reserve(4096);
  out += fmt::format("# HELP parley_connections Open real-time connections.\n# TYPE parley_connections gauge\n"
                     "parley_connections {}\n", connections.load());
  counter(out, "parley_connections_total", "Real-time connections accepted.", connections_total);
  counter(out, "parley_engineio_sessions", "Engine.IO sessions in the node's sid registry.",
          static_cast<uint64_t>(std::max<int64_t>(0, engineio_sessions.load())), "gauge");
  counter(out, "parley_messages_in_total", "Client to server events received.", messages_in);
  counter(out, "parley_messages_out_total", "Server to client frames queued.", messages_out);
  counter(out, "parley_deliveries_total", "Events handed to connections by fan-out.", deliveries);
  counter(out, "parley_messages_stored_total", "Chat messages committed to the store.", messages_stored);
  counter(out, "parley_broker_published_total", "Messages published to the broker.", broker_published);
  counter(out, "parley_broker_received_total", "Messages received from the broker.", broker_received);
  counter(out, "parley_broker_envelopes_rejected_total",
          "Broker messages dropped because they are not sealed with this cluster's key.", broker_envelopes_rejected);
  counter(out, "parley_broker_publish_failures_total",
          "Publishes the broker did not take (Redis down or refusing); room messages are published again later.",
          broker_publish_failures);
  counter(out, "parley_slow_clients_dropped_total", "Connections cut off for reading too slowly.",
          slow_clients_dropped);
  counter(out, "parley_rate_limited_total", "Requests refused by the rate limit.", rate_limited);
  counter(out, "parley_http_requests_total", "HTTP requests served.", http_requests);
  counter(out, "parley_protocol_errors_total", "Connections closed for protocol violations.", protocol_errors);
  counter(out, "parley_redis_cluster_shards", "Redis Cluster primaries owning slots (0 without a cluster).",
          static_cast<uint64_t>(std::max<int64_t>(0, redis_cluster_shards.load())), "gauge");
  counter(out, "parley_redis_cluster_topology_changes_total", "Redis Cluster slot-map changes seen after the first.",
          redis_cluster_topology_changes);
  out += fmt::format("# HELP parley_redis_cluster_redirects_total Redis Cluster redirections followed.\n"
                     "# TYPE parley_redis_cluster_redirects_total counter\n"
                     "parley_redis_cluster_redirects_total{{kind=\"moved\"}} {}\n"
                     "parley_redis_cluster_redirects_total{{kind=\"ask\"}} {}\n",
                     redis_cluster_moved.load(), redis_cluster_ask.load());
  store_latency.render("parley_store_latency_seconds", "Store operation latency.", out);
  broker_latency.render("parley_broker_latency_seconds", "Broker round-trip latency.", out);
  return out;
}

Metrics& metrics() {
  static Metrics instance;
  return instance;
}

}  // namespace parley::core

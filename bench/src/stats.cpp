#include "stats.hpp"

#include <bit>

namespace bench {

namespace {
constexpr size_t linear = 1024;
constexpr size_t sub = 64;
constexpr size_t bucket_count = linear + 54 * sub;

size_t bucket_of(uint64_t us) {
  if (us < linear) return us;
  int e = 63 - std::countl_zero(us);  // >= 10
  size_t s = (us >> (e - 6)) & (sub - 1);
  size_t b = linear + size_t(e - 10) * sub + s;
  return b < bucket_count ? b : bucket_count - 1;
}
uint64_t value_of(size_t b) {
  if (b < linear) return b;
  size_t e = (b - linear) / sub + 10;
  uint64_t s = (b - linear) % sub;
  return (sub + s) << (e - 6);
}
}  // namespace

Histogram::Histogram() : buckets_(bucket_count, 0) {}

void Histogram::record(uint64_t us) {
  ++buckets_[bucket_of(us)];
  ++count_;
  if (us > max_) max_ = us;
}

void Histogram::merge(const Histogram& o) {
  for (size_t i = 0; i < bucket_count; ++i) buckets_[i] += o.buckets_[i];
  count_ += o.count_;
  if (o.max_ > max_) max_ = o.max_;
}

uint64_t Histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(q * double(count_ - 1)) + 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < bucket_count; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min(value_of(i), max_);
  }
  return max_;
}

boost::json::value Histogram::to_json() const {
  boost::json::array a;
  for (size_t i = 0; i < bucket_count; ++i)
    if (buckets_[i]) a.push_back(boost::json::array{i, buckets_[i]});
  return boost::json::object{{"max", max_}, {"buckets", std::move(a)}};
}

void Histogram::from_json(const boost::json::value& v) {
  const auto& o = v.as_object();
  max_ = o.at("max").to_number<uint64_t>();
  for (const auto& p : o.at("buckets").as_array()) {
    size_t i = p.as_array()[0].to_number<size_t>();
    uint64_t n = p.as_array()[1].to_number<uint64_t>();
    buckets_[i] += n;
    count_ += n;
  }
}

void Stats::merge(const Stats& o) {
  connected += o.connected;
  connect_errors += o.connect_errors;
  sent += o.sent;
  send_errors += o.send_errors;
  sent_in_window += o.sent_in_window;
  expected += o.expected;
  received += o.received;
  unique += o.unique;
  duplicates += o.duplicates;
  in_window += o.in_window;
  disconnects += o.disconnects;
  latency.merge(o.latency);
}

boost::json::object Stats::to_json() const {
  return {{"connected", connected}, {"connect_errors", connect_errors}, {"sent", sent},
          {"send_errors", send_errors}, {"sent_in_window", sent_in_window}, {"expected", expected},
          {"received", received}, {"unique", unique}, {"duplicates", duplicates}, {"in_window", in_window},
          {"disconnects", disconnects}, {"latency", latency.to_json()}};
}

Stats Stats::from_json(const boost::json::object& o) {
  Stats s;
  auto n = [&](const char* k) { return o.at(k).to_number<uint64_t>(); };
  s.connected = n("connected");
  s.connect_errors = n("connect_errors");
  s.sent = n("sent");
  s.send_errors = n("send_errors");
  s.sent_in_window = n("sent_in_window");
  s.expected = n("expected");
  s.received = n("received");
  s.unique = n("unique");
  s.duplicates = n("duplicates");
  s.in_window = n("in_window");
  s.disconnects = n("disconnects");
  s.latency.from_json(o.at("latency"));
  return s;
}

}  // namespace bench

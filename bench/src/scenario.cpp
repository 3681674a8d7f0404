#include "scenario.hpp"

#include <time.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <cstdio>
#include <deque>
#include <memory>
#include <set>
#include <thread>
#include <unordered_map>

#include "client.hpp"

namespace bench {

namespace asio = boost::asio;

uint64_t now_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
}

Plan make_plan(const Options& o) {
  Plan p;
  if (o.scenario == "fanout") {
    p.users = o.users ? o.users : o.members;
    for (size_t r = 0; r < o.rooms; ++r)
      for (size_t m = 0; m < o.members; ++m) {
        ConnSpec c;
        c.url = uint32_t(p.conns.size() % o.urls.size());
        c.user = uint32_t(m % p.users);
        c.room = int32_t(r);
        c.fanout = uint32_t(o.members);
        if (m < o.senders) c.sender = int32_t(p.senders++);
        p.conns.push_back(c);
      }
  } else if (o.scenario == "dm") {
    p.users = 2 * o.pairs;
    for (size_t i = 0; i < 2 * o.pairs; ++i) {
      ConnSpec c;
      c.url = uint32_t(i % o.urls.size());
      c.user = uint32_t(i);
      c.dm_to = int32_t(i ^ 1);
      c.fanout = 1;
      c.sender = int32_t(p.senders++);
      p.conns.push_back(c);
    }
  } else {  // idle: as users connect, distinct users each in a room (per-user and per-membership state counts)
    p.users = o.users ? o.users : o.conns;
    for (size_t i = 0; i < o.conns; ++i) {
      ConnSpec c;
      c.url = uint32_t(i % o.urls.size());
      c.user = uint32_t(i % p.users);
      if (o.rooms > 0) c.room = int32_t(i % o.rooms);
      p.conns.push_back(c);
    }
  }
  return p;
}

namespace {

enum Phase : int { setup = 0, sending = 1, stopped = 2 };

// State shared by the threads of one process.
struct Shared {
  std::atomic<size_t> done{0};      // connections through setup (ready or failed)
  std::atomic<int> phase{setup};
  std::atomic<uint64_t> window_start{0}, window_end{0};  // set before phase becomes `sending`
};

// Per-sender delivery tracking at one receiver: the next seq expected and any that arrived ahead of it.
struct Track {
  uint32_t next = 0;
  std::set<uint32_t> ahead;
};

struct ConnState {
  const ConnSpec* spec = nullptr;
  std::shared_ptr<Conn> conn;
  uint64_t join_id = 0;
  uint32_t seq = 0;
  uint32_t inflight = 0;
  bool alive = false;
  std::unordered_map<uint32_t, Track> tracks;
  std::unique_ptr<asio::steady_timer> timer;
  uint64_t next_send_us = 0;
};

class Worker : public Handler {
 public:
  Worker(const Options& o, const std::vector<Account>& accounts, Shared& shared)
      : o_(o), accounts_(accounts), shared_(shared), proto_(o.protocol == "socketio" ? Proto::socketio : o.protocol == "polling" ? Proto::polling : Proto::native),
        push_event_(o.scenario == "dm" ? "message:private:received" : "message:received"),
        send_event_(o.scenario == "dm" ? "message:private" : "message:send") {
    for (const auto& u : o.urls) targets_.push_back(parse_url(u));
  }

  void add(size_t global_index, const ConnSpec& spec) {
    auto& s = states_.emplace_back();
    s.spec = &spec;
    std::optional<asio::ip::address> source;
    if (o_.sources > 0) {
      auto v4 = asio::ip::make_address_v4("127.0.0.2").to_uint() + uint32_t(global_index % o_.sources);
      source = asio::ip::address_v4(v4);
    }
    s.conn = std::make_shared<Conn>(io_, proto_, targets_[spec.url], source, accounts_[spec.user].token, *this,
                                    states_.size() - 1);
  }

  void run_thread() {
    thread_ = std::thread([this] {
      auto guard = asio::make_work_guard(io_);
      asio::post(io_, [this] {
        for (size_t i = 0; i < states_.size() && i < o_.connect_concurrency; ++i) start_next();
      });
      io_.run();
    });
  }

  // Called from the main thread once every process is ready.
  void start_sending() {
    asio::post(io_, [this] {
      for (auto& s : states_)
        if (s.alive && s.spec->sender >= 0) begin_sender(s);
    });
  }

  uint32_t inflight() const { return inflight_total_.load(std::memory_order_relaxed); }
  uint64_t last_delivery() const { return last_delivery_.load(std::memory_order_relaxed); }

  // Stops the loop and returns the statistics (no thread touches them afterwards).
  Stats finish() {
    asio::post(io_, [this] {
      for (auto& s : states_) {
        if (s.timer) s.timer->cancel();
        s.conn->close();
      }
      io_.stop();
    });
    thread_.join();
    stats_.send_errors += inflight_total_;  // never answered
    return stats_;
  }

  // Handler
  void on_ready(Conn& c) override {
    auto& s = states_[c.index()];
    if (s.spec->room >= 0) {
      s.join_id = c.request("room:join", "{\"room\":\"bench-r" + std::to_string(s.spec->room) + "\"}");
      return;
    }
    setup_done(s, true);
  }

  void on_failed(Conn& c, std::string_view why) override {
    if (failures_logged_++ < 3) std::fprintf(stderr, "parley-bench: connection failed: %.*s\n", int(why.size()), why.data());
    setup_done(states_[c.index()], false);
  }

  void on_closed(Conn& c) override {
    auto& s = states_[c.index()];
    if (!s.alive) return;
    s.alive = false;
    ++stats_.disconnects;
    if (s.join_id != 0 && s.spec->room >= 0 && shared_.phase == setup) setup_done(s, false);
  }

  void on_reply(Conn& c, uint64_t id, bool ok, std::string_view frame) override {
    auto& s = states_[c.index()];
    if (id == s.join_id) {
      s.join_id = 0;
      if (!ok && failures_logged_++ < 3)
        std::fprintf(stderr, "parley-bench: join failed: %.*s\n", int(frame.size()), frame.data());
      return setup_done(s, ok);
    }
    if (s.inflight == 0) return;
    --s.inflight;
    inflight_total_.fetch_sub(1, std::memory_order_relaxed);
    if (ok) {
      ++stats_.sent;
      stats_.expected += s.spec->fanout;
      uint64_t t = now_us();
      if (t >= shared_.window_start.load(std::memory_order_relaxed) && t < shared_.window_end.load(std::memory_order_relaxed)) ++stats_.sent_in_window;
    } else {
      if (errors_logged_++ < 3) std::fprintf(stderr, "parley-bench: send failed: %.*s\n", int(frame.size()), frame.data());
      ++stats_.send_errors;
    }
    if (o_.rate == 0 && shared_.phase.load(std::memory_order_relaxed) == sending) send_one(s, now_us());
  }

  void on_push(Conn& c, std::string_view event, std::string_view frame) override {
    if (event != push_event_) return;
    auto pos = frame.find("\"text\":\"bench:");
    if (pos == std::string_view::npos) return;
    const char* p = frame.data() + pos + 14;
    const char* end = frame.data() + frame.size();
    uint32_t sender = 0, seq = 0;
    uint64_t sent_at = 0;
    auto r1 = std::from_chars(p, end, sender);
    if (r1.ec != std::errc() || r1.ptr == end) return;
    auto r2 = std::from_chars(r1.ptr + 1, end, seq);
    if (r2.ec != std::errc() || r2.ptr == end) return;
    auto r3 = std::from_chars(r2.ptr + 1, end, sent_at);
    if (r3.ec != std::errc()) return;
    uint64_t t = now_us();
    last_delivery_.store(t, std::memory_order_relaxed);
    ++stats_.received;
    if (t >= shared_.window_start.load(std::memory_order_relaxed) && t < shared_.window_end.load(std::memory_order_relaxed)) {
      ++stats_.in_window;
      stats_.latency.record(t > sent_at ? t - sent_at : 0);
    }
    auto& track = states_[c.index()].tracks[sender];
    if (seq == track.next) {
      ++stats_.unique;
      ++track.next;
      while (!track.ahead.empty() && *track.ahead.begin() == track.next) {
        track.ahead.erase(track.ahead.begin());
        ++track.next;
      }
    } else if (seq > track.next && track.ahead.insert(seq).second) {
      ++stats_.unique;
    } else {
      ++stats_.duplicates;
    }
  }

 private:
  void start_next() {
    if (next_start_ >= states_.size()) return;
    states_[next_start_++].conn->start();
  }

  void setup_done(ConnState& s, bool ok) {
    if (ok) {
      s.alive = true;
      ++stats_.connected;
    } else {
      ++stats_.connect_errors;
    }
    shared_.done.fetch_add(1);
    start_next();
  }

  void begin_sender(ConnState& s) {
    uint64_t t = now_us();
    if (o_.rate == 0) {
      for (size_t i = 0; i < o_.inflight; ++i) send_one(s, t);
      return;
    }
    // Fixed rate: each sender sends every `period`, senders evenly staggered; latency counts from the
    // scheduled time, so a stalled server cannot hide its queueing (no coordinated omission).
    double period_us = double(total_senders_) * 1e6 / o_.rate;
    s.next_send_us = t + uint64_t(period_us * double(s.spec->sender) / double(total_senders_));
    s.timer = std::make_unique<asio::steady_timer>(io_);
    tick(s, period_us);
  }

  void tick(ConnState& s, double period_us) {
    uint64_t t = now_us();
    while (s.next_send_us <= t) {
      if (shared_.phase.load(std::memory_order_relaxed) != sending || !s.alive) return;
      send_one(s, s.next_send_us);
      s.next_send_us += uint64_t(period_us);
    }
    s.timer->expires_after(std::chrono::microseconds(s.next_send_us - t));
    s.timer->async_wait([this, &s, period_us](boost::system::error_code ec) {
      if (!ec) tick(s, period_us);
    });
  }

  void send_one(ConnState& s, uint64_t stamp_us) {
    if (!s.alive) return;
    text_.clear();
    text_ += "bench:";
    text_ += std::to_string(s.spec->sender);
    text_ += ':';
    text_ += std::to_string(s.seq++);
    text_ += ':';
    text_ += std::to_string(stamp_us);
    if (text_.size() < o_.text_bytes) text_.append(o_.text_bytes - text_.size(), 'x');
    data_.clear();
    if (s.spec->room >= 0) {
      data_ += "{\"room\":\"bench-r";
      data_ += std::to_string(s.spec->room);
    } else {
      data_ += "{\"to\":";
      data_ += std::to_string(accounts_[s.spec->dm_to].id);
    }
    data_ += s.spec->room >= 0 ? "\",\"text\":\"" : ",\"text\":\"";
    data_ += text_;
    data_ += "\"}";
    ++s.inflight;
    inflight_total_.fetch_add(1, std::memory_order_relaxed);
    s.conn->request(send_event_, data_);
  }

 public:
  size_t total_senders_ = 0;

 private:
  const Options& o_;
  const std::vector<Account>& accounts_;
  Shared& shared_;
  Proto proto_;
  std::string push_event_, send_event_;
  std::vector<Target> targets_;
  asio::io_context io_{1};
  std::thread thread_;
  std::deque<ConnState> states_;
  size_t next_start_ = 0;
  Stats stats_;
  std::atomic<uint32_t> inflight_total_{0};
  std::atomic<uint64_t> last_delivery_{0};
  std::string text_, data_;
  int failures_logged_ = 0, errors_logged_ = 0;
};

}  // namespace

Stats run_local(const Options& o, const Plan& plan, const std::vector<Account>& accounts, size_t proc,
                size_t procs, const Barrier& barrier) {
  Shared shared;
  std::vector<std::unique_ptr<Worker>> workers;
  size_t threads = std::max<size_t>(1, o.threads);
  for (size_t t = 0; t < threads; ++t) {
    workers.push_back(std::make_unique<Worker>(o, accounts, shared));
    workers.back()->total_senders_ = plan.senders;
  }
  size_t local = 0;
  for (size_t i = proc; i < plan.conns.size(); i += procs) workers[local++ % threads]->add(i, plan.conns[i]);
  for (auto& w : workers) w->run_thread();

  // Setup: every local connection ready or failed (a generous deadline for very large runs).
  uint64_t deadline = now_us() + uint64_t(60 + local / 200) * 1000000;
  while (shared.done.load() < local && now_us() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  bool ok = shared.done.load() == local;
  if (!ok) std::fprintf(stderr, "parley-bench: setup timed out (%zu of %zu)\n", shared.done.load(), local);
  barrier(ok);

  uint64_t go = now_us();
  shared.window_start = go + uint64_t(o.warmup * 1e6);
  shared.window_end = shared.window_start + uint64_t(o.duration * 1e6);
  bool sends = o.scenario != "idle";
  shared.phase = sending;
  if (proc == 0) std::fprintf(stderr, "parley-bench: all connected, sending; the window opens in %.1f s\n", o.warmup);
  if (sends)
    for (auto& w : workers) w->start_sending();
  while (now_us() < shared.window_end) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  shared.phase = stopped;

  // Drain: every ack back and no delivery for a quiet period (bounded).
  uint64_t quiet = o.quick ? 300000 : 1000000;
  uint64_t drain_deadline = now_us() + 20000000;
  while (sends && now_us() < drain_deadline) {
    uint32_t inflight = 0;
    uint64_t last = 0;
    for (auto& w : workers) {
      inflight += w->inflight();
      last = std::max(last, w->last_delivery());
    }
    uint64_t t = now_us();
    if (inflight == 0 && t > last + quiet) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Stats total;
  for (auto& w : workers) total.merge(w->finish());
  return total;
}

}  // namespace bench

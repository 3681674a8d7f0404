#include "net/read_poller.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <cerrno>
#include <system_error>

namespace parley::net {

namespace asio = boost::asio;

namespace {
constexpr size_t batch = 128;  // events per epoll_wait

uint64_t key_of(uint32_t slot, uint32_t generation) { return (uint64_t{generation} << 32) | slot; }
}  // namespace

ReadPoller::ReadPoller(asio::execution_context& context) : service(context) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

ReadPoller::~ReadPoller() {
  if (!set_ && epoll_fd_ >= 0) ::close(epoll_fd_);  // else the descriptor object closes it
}

ReadPoller& ReadPoller::of(const LoopExecutor& executor) { return asio::use_service<ReadPoller>(executor.context()); }

bool ReadPoller::add(const LoopExecutor& executor, int fd, std::shared_ptr<Pollable> owner) {
  if (shut_down_) return false;
  if (!set_) set_.emplace(executor, epoll_fd_);
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  const uint32_t generation = ++next_generation_;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
  ev.data.u64 = key_of(slot, generation);
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    const int error = errno;
    free_.push_back(slot);
    errno = error;
    return false;
  }
  owner->poll_slot_ = slot;
  owner->poll_generation_ = generation;
  slots_[slot] = std::move(owner);
  arm();
  return true;
}

void ReadPoller::again(Pollable& item) {
  if (item.poll_slot_ == Pollable::no_slot || shut_down_) return;
  again_.push_back(key_of(item.poll_slot_, item.poll_generation_));
  if (posted_) return;
  posted_ = true;
  asio::post(set_->get_executor(), [this] { run(); });
}

void ReadPoller::remove(Pollable& item, int fd) {
  const uint32_t slot = std::exchange(item.poll_slot_, Pollable::no_slot);
  if (slot == Pollable::no_slot) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  free_.push_back(slot);
  // The caller may be the owner's last holder's callee: release it on a later turn.
  if (auto owner = std::move(slots_[slot]); owner && !shut_down_)
    asio::post(set_->get_executor(), [owner = std::move(owner)] {});
}

void ReadPoller::arm() {
  if (armed_ || posted_ || shut_down_) return;
  armed_ = true;
  set_->async_wait(asio::posix::descriptor_base::wait_read, [this](boost::system::error_code ec) {
    armed_ = false;
    if (!ec) run();
  });
}

// Those that asked to be called again, then one batch of ready connections; another turn if the batch was
// full or someone asked again, else a wait.
void ReadPoller::run() {
  posted_ = false;
  if (shut_down_) return;
  auto deliver = [this](uint64_t key, uint32_t events) {
    const uint32_t slot = static_cast<uint32_t>(key);
    const uint32_t generation = static_cast<uint32_t>(key >> 32);
    if (slot >= slots_.size() || !slots_[slot] || slots_[slot]->poll_generation_ != generation) return;
    std::shared_ptr<Pollable> owner = slots_[slot];  // alive through its callback
    owner->on_poll_ready(events);
  };
  if (!again_.empty()) {
    std::vector<uint64_t> now;
    now.swap(again_);
    for (uint64_t key : now) deliver(key, EPOLLIN);
  }
  std::array<epoll_event, batch> events;
  int n;
  do n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 0);
  while (n < 0 && errno == EINTR);
  for (int i = 0; i < n; ++i) deliver(events[i].data.u64, events[i].events);
  if (shut_down_) return;
  if (n == static_cast<int>(batch) || !again_.empty()) {
    if (!posted_) {
      posted_ = true;
      asio::post(set_->get_executor(), [this] { run(); });
    }
    return;
  }
  arm();
}

void ReadPoller::shutdown() {
  shut_down_ = true;
  std::deque<Slot> gone;
  gone.swap(slots_);
  free_.clear();
  again_.clear();
  for (Slot& s : gone)
    if (s) s->poll_slot_ = Pollable::no_slot;
  gone.clear();  // owners' destructors may run here
  if (set_) {
    // Destroyed here, not in ~ReadPoller: asio destroys services in the reverse order of their creation, and
    // the descriptor service behind set_ was created after this one (by the first add()), so it is gone by
    // the time this service's destructor runs. Every service still exists while they are shut down.
    boost::system::error_code ignored;
    set_->cancel(ignored);
    set_.reset();  // closes epoll_fd_
    epoll_fd_ = -1;
  }
}

}  // namespace parley::net

#pragma once
// A FIFO of jobs shared by one or more worker threads, which take jobs in batches. Every job gets a ticket in
// push order; wait_until_done() uses the tickets to wait for exactly the jobs pushed before it was called.
// Thread safety: all methods may be called from any thread concurrently.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

namespace parley::store::common {

template <class Job>
class JobQueue {
 public:
  struct Batch {
    uint64_t first_ticket = 0;  // tickets of a batch are consecutive
    std::vector<Job> jobs;
  };

  // Queues a job and answers true; once closed, answers false and leaves `job` untouched.
  bool push(Job&& job) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      queue_.push_back(Entry{next_ticket_++, std::move(job)});
    }
    work_ready_.notify_one();
    return true;
  }

  // Blocks until a job is queued or the queue is closed, then takes up to `max_jobs` jobs in FIFO order.
  // An empty batch means the queue is closed and drained: the worker should exit. The caller must pass every
  // non-empty batch to finish() once its jobs and their callbacks have run.
  Batch pop(size_t max_jobs) {
    std::unique_lock lock(mutex_);
    work_ready_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    Batch batch;
    if (queue_.empty()) return batch;
    batch.first_ticket = queue_.front().ticket;
    size_t count = std::min(max_jobs, queue_.size());
    batch.jobs.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      batch.jobs.push_back(std::move(queue_.front().job));
      queue_.pop_front();
    }
    in_flight_.insert(batch.first_ticket);
    return batch;
  }

  // Marks a batch returned by pop() as completed.
  void finish(const Batch& batch) {
    std::lock_guard lock(mutex_);
    in_flight_.erase(in_flight_.find(batch.first_ticket));
    if (waiters_ > 0) all_done_.notify_all();
  }

  // Blocks until every job pushed before this call has been taken and finished. Must not be called from a
  // worker of this queue (it would wait for itself).
  void wait_until_done() {
    std::unique_lock lock(mutex_);
    const uint64_t target = next_ticket_;
    ++waiters_;
    all_done_.wait(lock, [&] { return lowest_unfinished() >= target; });
    --waiters_;
  }

  // Refuses further pushes and wakes the workers; they drain what is queued, then pop() answers empty batches.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    work_ready_.notify_all();
  }

 private:
  struct Entry {
    uint64_t ticket;
    Job job;
  };

  // The smallest ticket whose job has not finished (next_ticket_ when everything has). Jobs leave the queue in
  // ticket order, so it is the first ticket of the oldest batch in flight or the front of the queue.
  uint64_t lowest_unfinished() const {
    uint64_t lowest = next_ticket_;
    if (!queue_.empty()) lowest = std::min(lowest, queue_.front().ticket);
    if (!in_flight_.empty()) lowest = std::min(lowest, *in_flight_.begin());
    return lowest;
  }

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable all_done_;
  std::deque<Entry> queue_;
  std::multiset<uint64_t> in_flight_;  // first ticket of each batch being run
  uint64_t next_ticket_ = 0;
  int waiters_ = 0;
  bool closed_ = false;
};

}  // namespace parley::store::common

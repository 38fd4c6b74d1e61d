// A fixed set of threads that run one task on every thread, again and again, without
// allocating or creating threads per task: made once, then `run` per training step.
//
//   ctgrad::thread_pool pool{2};              // the calling thread plus one worker
//   pool.run([&](std::size_t t) { ... });     // t = 0 (the caller) .. pool.size() - 1
//
// run() returns when every thread has finished; the first exception a task throws is
// rethrown there. A waiting thread (a worker between tasks, the caller for the workers)
// spins briefly (a step is a few hundred microseconds; a sleep and wake-up would cost a
// noticeable share of it), then yields its core for a while (on a loaded machine the
// thread it waits for may need that core), then sleeps on an atomic wait. One run() at a
// time: the pool is not itself reentrant.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace ctgrad {

class thread_pool {
 public:
  // Throws std::system_error when a thread cannot be started (after joining those that
  // were), std::invalid_argument for 0 threads.
  explicit thread_pool(std::size_t threads) : size_(threads) {
    if (threads == 0) throw std::invalid_argument("ctgrad: thread_pool: needs at least one thread, got 0");
    try {
      workers_.reserve(threads - 1);
      for (std::size_t t = 1; t < threads; ++t) workers_.emplace_back([this, t] { work(t); });
    } catch (const std::system_error& e) {
      const std::size_t started = workers_.size() + 1;  // the calling thread is one
      stop_and_join();
      throw std::system_error(e.code(), "ctgrad: thread_pool: could not start thread " + std::to_string(started + 1) +
                                            " of " + std::to_string(threads));
    } catch (...) {
      stop_and_join();
      throw;
    }
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;
  ~thread_pool() { stop_and_join(); }

  std::size_t size() const { return size_; }
  // inside run() (on the calling thread): a nested run() would wait for itself
  bool busy() const { return busy_.load(std::memory_order_relaxed); }

  // f(t) on every thread t; the calling thread is t = 0
  template <class F>
  void run(F&& f) {
    if (busy_.exchange(true, std::memory_order_relaxed))
      throw std::logic_error("ctgrad: thread_pool::run called while this pool is running a task");
    struct done {
      std::atomic<bool>& flag;
      ~done() { flag.store(false, std::memory_order_relaxed); }
    } reset{busy_};
    using Fn = std::remove_reference_t<F>;
    task_ = {static_cast<void*>(std::addressof(f)), [](void* p, std::size_t t) { (*static_cast<Fn*>(p))(t); }};
    error_ = nullptr;
    remaining_.store(size_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    invoke(0);
    for (unsigned spins = 0;; ++spins) {
      const std::size_t left = remaining_.load(std::memory_order_acquire);
      if (left == 0) break;
      if (!wait_a_little(spins)) remaining_.wait(left, std::memory_order_acquire);
    }
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void stop_and_join() {
    stop_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  // The spins-th check of a condition that still does not hold: spin (pause_spins, about
  // 20 microseconds), then yield the core (yield_spins times); false when it is time to sleep.
  static constexpr unsigned pause_spins = 1u << 10, yield_spins = 1u << 8;
  static bool wait_a_little(unsigned spins) {
    if (spins < pause_spins) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
      return true;
    }
    if (spins < pause_spins + yield_spins) {
      std::this_thread::yield();
      return true;
    }
    return false;
  }

  struct task {
    void* object = nullptr;
    void (*call)(void*, std::size_t) = nullptr;
  };

  void invoke(std::size_t t) {
    try {
      task_.call(task_.object, t);
    } catch (...) {
      std::lock_guard lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }

  void work(std::size_t t) {
    std::size_t seen = 0;
    for (;;) {
      std::size_t now = generation_.load(std::memory_order_acquire);
      for (unsigned spins = 0; now == seen; now = generation_.load(std::memory_order_acquire), ++spins)
        if (!wait_a_little(spins)) generation_.wait(seen, std::memory_order_acquire);
      seen = now;
      if (stop_.load(std::memory_order_relaxed)) return;
      invoke(t);
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) remaining_.notify_one();
    }
  }

  std::size_t size_;
  task task_;
  std::exception_ptr error_;
  std::mutex error_mutex_;
  std::atomic<std::size_t> generation_{0};
  std::atomic<std::size_t> remaining_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> busy_{false};
  std::vector<std::thread> workers_;  // last: the threads start after everything above exists
};

}  // namespace ctgrad

// Timing for the benchmarks: two functions run interleaved, round after round, so drift on
// a shared machine hits both alike; the medians (and quartiles) of the rounds are compared.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace bench {

// keeps the compiler from deleting work whose result is otherwise unused
template <class T>
inline void escape(T* p) {
  asm volatile("" : : "g"(p) : "memory");
}

struct timing {
  double median, q1, q3;  // nanoseconds per call
};

struct pair_timing {
  timing first, second;
  double ratio() const { return first.median / second.median; }
};

template <class F, class H>
pair_timing interleaved(F&& f, H&& h, int calls_per_round, int rounds = 31) {
  std::vector<double> tf, th;
  for (int r = 0; r < rounds; ++r) {
    for (int which = 0; which < 2; ++which) {
      // alternate which side goes first, so neither always runs on a warm cache
      const bool run_f = (which == 0) == (r % 2 == 0);
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < calls_per_round; ++i) run_f ? f() : h();
      const auto t1 = std::chrono::steady_clock::now();
      (run_f ? tf : th).push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / calls_per_round);
    }
  }
  auto summary = [&](std::vector<double>& t) {
    std::sort(t.begin(), t.end());
    const auto n = t.size();
    return timing{t[n / 2], t[n / 4], t[3 * n / 4]};
  };
  return {summary(tf), summary(th)};
}

}  // namespace bench

// Timing for the benchmarks: two functions run interleaved, round after round, so drift on
// a shared machine hits both alike; the medians (and quartiles) of the rounds are compared.
#pragma once

#include <algorithm>
#include <array>
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

inline timing summary(std::vector<double>& t) {
  std::sort(t.begin(), t.end());
  const auto n = t.size();
  return timing{t[n / 2], t[n / 4], t[3 * n / 4]};
}

// Any number of functions, each round running all of them with a rotating first one, so
// that none always runs on a warm (or cold) cache.
template <class... F>
std::array<timing, sizeof...(F)> interleaved_all(int calls_per_round, int rounds, F&&... f) {
  constexpr std::size_t n = sizeof...(F);
  std::array<std::vector<double>, n> times;
  auto run = [&](std::size_t which, auto& fn) {  // a direct call in the timed loop
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls_per_round; ++i) fn();
    const auto t1 = std::chrono::steady_clock::now();
    times[which].push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / calls_per_round);
  };
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t which = (k + static_cast<std::size_t>(r)) % n;
      std::size_t i = 0;
      ((i++ == which ? run(which, f) : void()), ...);
    }
  }
  std::array<timing, n> out;
  for (std::size_t k = 0; k < n; ++k) out[k] = summary(times[k]);
  return out;
}

template <class F, class H>
pair_timing interleaved(F&& f, H&& h, int calls_per_round, int rounds = 31) {
  const auto t = interleaved_all(calls_per_round, rounds, f, h);
  return {t[0], t[1]};
}

}  // namespace bench

// A small deterministic PRNG that also runs in constant expressions (model initialisation,
// the compile-time trainings and the data layer's shuffles need one; <random> is not constexpr).
//
// splitmix64: one 64-bit state, passes BigCrush, and seeding it from any 64-bit value
// (including 0) gives a good stream. Streams for different parameters come from hashing
// the parameter's name into the seed, so initialisation does not depend on the order in
// which parameters are visited.
#pragma once

#include <cstdint>

namespace ctgrad {

class random_engine {
 public:
  constexpr explicit random_engine(std::uint64_t seed) : state_(seed) {}

  constexpr std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // uniform in [0, 1), 53 random bits
  constexpr double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  constexpr double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // uniform integer in [0, n) for 0 < n <= 2^32 (multiply-shift of 32 random bits; the
  // bias is at most n / 2^32, below 1e-4 for a dataset of 60000)
  constexpr std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32);
  }

 private:
  std::uint64_t state_;
};

// FNV-1a of a name, mixed into a seed: one independent stream per parameter.
constexpr std::uint64_t stream_seed(std::uint64_t seed, const char* name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (; *name; ++name) h = (h ^ static_cast<unsigned char>(*name)) * 0x100000001b3ULL;
  return random_engine(seed ^ h).next();
}

// (nn::random_engine and nn::stream_seed, their first names, are kept in nn/parameters.hpp)

}  // namespace ctgrad

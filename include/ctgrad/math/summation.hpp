// Sums in a fixed order that vectorises. One running sum serialises every addition on the
// adder's latency (four cycles each); sum_lanes independent sums, term i in sum i %
// sum_lanes, keep the vector units busy, and combining them pairwise at the end is no less
// accurate than the sequential order. The order is the same at run time and in the
// compiler, so a constexpr result equals the run-time one bit for bit.
#pragma once

#include <cstddef>

namespace ctgrad::math {

inline constexpr std::size_t sum_lanes = 16;

// term(0) + ... + term(n - 1), each term evaluated once, in increasing i. Fewer than
// 2 * sum_lanes terms are added in order: too few to gain, and exact as before.
template <class T, class Term>
constexpr T sum_of(std::size_t n, Term&& term) {
  if (n < 2 * sum_lanes) {
    T s{};
    for (std::size_t i = 0; i < n; ++i) s += term(i);
    return s;
  }
  T acc[sum_lanes]{};
  const std::size_t full = n - n % sum_lanes;
  for (std::size_t i = 0; i < full; i += sum_lanes)
    for (std::size_t l = 0; l < sum_lanes; ++l) acc[l] += term(i + l);
  for (std::size_t l = 0; l < n % sum_lanes; ++l) acc[l] += term(full + l);
  for (std::size_t w = sum_lanes / 2; w > 0; w /= 2)
    for (std::size_t l = 0; l < w; ++l) acc[l] += acc[l + w];
  return acc[0];
}

}  // namespace ctgrad::math

// Scalar functions the ops use, for plain numbers and duals alike: the elementary ones
// (elementary.hpp, dual.hpp) and what is built on them here. Other element types supply
// their own overloads, declared before this header is included.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "ctgrad/math/dual.hpp"
#include "ctgrad/math/elementary.hpp"

namespace ctgrad::math {

// x^n for an integer n by repeated squaring: exact steps, no log/exp
template <class T>
constexpr T pow(T x, int n) {
  const bool negative = n < 0;
  unsigned m = negative ? 0u - static_cast<unsigned>(n) : static_cast<unsigned>(n);
  T result(1);
  T base = x;
  while (m) {
    if (m & 1u) result *= base;
    base *= base;
    m >>= 1;
  }
  return negative ? T(1) / result : result;
}

template <class T>
constexpr T abs(T x) {
  return x < T(0) ? -x : (x == T(0) ? T(0) : x);  // -0 -> +0, NaN passes through
}

// 1 / (1 + e^-x) without overflow on either side; branch-free at run time where
// elementary.hpp uses the vector forms
template <class T>
constexpr T sigmoid(T x) {
#if CTGRAD_DETAIL_VECTOR_MATH
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
    if (!std::is_constant_evaluated()) return static_cast<T>(detail::vx::sigmoid(static_cast<double>(x)));
#endif
  if (x >= T(0)) return T(1) / (T(1) + math::exp(-x));
  const T e = math::exp(x);
  return e / (T(1) + e);
}
// the same for a lone value (elementary.hpp: exp_one)
template <class T>
  requires std::is_floating_point_v<T>
constexpr T sigmoid_one(T x) {
  if (x >= T(0)) return T(1) / (T(1) + math::exp_one(-x));
  const T e = math::exp_one(x);
  return e / (T(1) + e);
}

// log(1 + e^x) without overflow on either side: max(x, 0) + log1p(e^-|x|)
template <class T>
constexpr T softplus(T x) {
  const T a = x < T(0) ? -x : x;
  return (x > T(0) ? x : T(0)) + math::log1p(math::exp(-a));
}

// sqrt(x) for x >= 0 in a form compilers vectorise. std::sqrt may set errno (for x < 0),
// and that alone keeps GCC and Clang from vectorising a loop that calls it (unless built
// with -fno-math-errno), such as Adam's update over every parameter. Here: an
// estimate of 1/sqrt(x) from the exponent bits, Newton steps to full precision, then x
// times it, corrected once. Within 1 ulp of std::sqrt for every x >= 0, subnormals
// included (test math); 0 at 0; +inf and NaN stay as they are.
template <class T>
  requires std::is_floating_point_v<T>
constexpr T sqrt_nonnegative(T x) {
  if (std::is_constant_evaluated() || !(std::is_same_v<T, float> || std::is_same_v<T, double>))
    return math::sqrt(x);
  using U = std::conditional_t<std::is_same_v<T, float>, std::uint32_t, std::uint64_t>;
  constexpr U magic = std::is_same_v<T, float> ? U(0x5f375a86u) : U(0x5fe6eb50c7b537a9ull);
  constexpr int steps = std::is_same_v<T, float> ? 3 : 4;
  // a subnormal x is scaled into the normal range first (the bit trick assumes a normal
  // exponent), and its root scaled back: a select, so the loop still vectorises
  constexpr T up = std::is_same_v<T, float> ? T(0x1p64f) : T(0x1p128), down = std::is_same_v<T, float> ? T(0x1p-32f) : T(0x1p-64);
  const bool tiny = x < std::numeric_limits<T>::min();
  const T y = tiny ? x * up : x;
  T r = std::bit_cast<T>(static_cast<U>(magic - (std::bit_cast<U>(y) >> 1)));
  const T half_y = T(0.5) * y;
  for (int i = 0; i < steps; ++i) r = r * (T(1.5) - half_y * r * r);
  const T s = y * r;
  const T root = s + (y - s * s) * (T(0.5) * r);  // one correction on the root itself
  const T result = tiny ? root * down : root;
  return x < std::numeric_limits<T>::infinity() ? result : x;  // +inf and NaN come back as they are
}

// 0 for |x| below the smallest normal number, else x: what an FTZ processor mode does, for
// state that decays geometrically (optimizer moments of parameters whose gradient stays 0,
// e.g. weights of always-black pixels) and would otherwise spend thousands of steps in
// the subnormal range, where every operation on it is some 100 times slower.
template <class T>
constexpr T flush_subnormal(T x) {
  return (x < T(0) ? -x : x) < std::numeric_limits<T>::min() ? T(0) : x;
}

}  // namespace ctgrad::math

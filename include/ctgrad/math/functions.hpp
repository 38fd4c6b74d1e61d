// Scalar functions the ops use: <cmath> at run time, the constexpr versions when the
// compiler evaluates. Other element types (e.g. a dual number) supply their own
// overloads, found by argument-dependent lookup.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "ctgrad/math/constexpr_math.hpp"

namespace ctgrad::math {

#define CTGRAD_DETAIL_MATH_UNARY(name)                                             \
  template <class T>                                                               \
    requires std::is_floating_point_v<T>                                           \
  constexpr T name(T x) {                                                          \
    if (std::is_constant_evaluated()) return static_cast<T>(detail::cx::name(x)); \
    return std::name(x);                                                           \
  }

CTGRAD_DETAIL_MATH_UNARY(exp)
CTGRAD_DETAIL_MATH_UNARY(expm1)
CTGRAD_DETAIL_MATH_UNARY(log)
CTGRAD_DETAIL_MATH_UNARY(sqrt)
CTGRAD_DETAIL_MATH_UNARY(sin)
CTGRAD_DETAIL_MATH_UNARY(cos)
CTGRAD_DETAIL_MATH_UNARY(tanh)

#undef CTGRAD_DETAIL_MATH_UNARY

template <class T>
  requires std::is_floating_point_v<T>
constexpr T pow(T x, T y) {
  if (std::is_constant_evaluated()) return static_cast<T>(detail::cx::pow(x, y));
  return std::pow(x, y);
}

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

// 1 / (1 + e^-x) without overflow on either side
template <class T>
constexpr T sigmoid(T x) {
  if (x >= T(0)) return T(1) / (T(1) + math::exp(-x));
  const T e = math::exp(x);
  return e / (T(1) + e);
}

// sqrt(x) for x >= 0 in a form compilers vectorise. std::sqrt may set errno (for x < 0),
// and that alone keeps GCC and Clang from vectorising a loop that calls it (unless built
// with -fno-math-errno): Adam's update over every parameter ran 10x slower. Here: an
// estimate of 1/sqrt(x) from the exponent bits, Newton steps to full precision, then x
// times it, corrected once. Within 1 ulp of std::sqrt for normal x; 0 at 0; NaN stays NaN. For subnormal
// x it is less accurate (Adam adds eps >> sqrt(subnormal) to it anyway).
template <class T>
  requires std::is_floating_point_v<T>
constexpr T sqrt_nonnegative(T x) {
  if (std::is_constant_evaluated() || !(std::is_same_v<T, float> || std::is_same_v<T, double>))
    return math::sqrt(x);
  using U = std::conditional_t<std::is_same_v<T, float>, std::uint32_t, std::uint64_t>;
  constexpr U magic = std::is_same_v<T, float> ? U(0x5f375a86u) : U(0x5fe6eb50c7b537a9ull);
  constexpr int steps = std::is_same_v<T, float> ? 3 : 4;
  T r = std::bit_cast<T>(static_cast<U>(magic - (std::bit_cast<U>(x) >> 1)));
  const T half_x = T(0.5) * x;
  for (int i = 0; i < steps; ++i) r = r * (T(1.5) - half_x * r * r);
  const T s = x * r;
  return s + (x - s * s) * (T(0.5) * r);  // one correction on the root itself
}

}  // namespace ctgrad::math

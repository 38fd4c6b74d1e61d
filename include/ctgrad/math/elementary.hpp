// The elementary functions for float and double: <cmath> at run time, the constexpr
// versions (constexpr_math.hpp) when the compiler evaluates. exp, log and tanh (and the
// sigmoid, scalar.hpp) at run time are ctgrad's own (vector_math.hpp) where the target has
// FMA and 256-bit vectors: loops over them vectorise there, and a vector exp or log costs
// a third of a <cmath> call. Without
// AVX2 and FMA they would be slower than <cmath>, which is kept. Duals have theirs in
// math/dual.hpp; scalar.hpp builds the rest on both.
#pragma once

#include <cmath>
#include <type_traits>

#include "ctgrad/math/constexpr_math.hpp"
#include "ctgrad/math/vector_math.hpp"

namespace ctgrad::math {

#define CTGRAD_DETAIL_MATH_UNARY(name)                                             \
  template <class T>                                                               \
    requires std::is_floating_point_v<T>                                           \
  constexpr T name(T x) {                                                          \
    if (std::is_constant_evaluated()) return static_cast<T>(detail::cx::name(x)); \
    return std::name(x);                                                           \
  }

#if defined(__AVX2__) && defined(__FMA__) && !defined(CTGRAD_CMATH_EXP_LOG)
#define CTGRAD_DETAIL_MATH_VECTOR(name)                                             \
  template <class T>                                                                \
    requires std::is_floating_point_v<T>                                            \
  constexpr T name(T x) {                                                           \
    if (std::is_constant_evaluated()) return static_cast<T>(detail::cx::name(x));  \
    return static_cast<T>(detail::vx::name(static_cast<double>(x)));               \
  }
CTGRAD_DETAIL_MATH_VECTOR(exp)
CTGRAD_DETAIL_MATH_VECTOR(log)
CTGRAD_DETAIL_MATH_VECTOR(tanh)
#undef CTGRAD_DETAIL_MATH_VECTOR
#define CTGRAD_DETAIL_VECTOR_MATH 1
#else
CTGRAD_DETAIL_MATH_UNARY(exp)
CTGRAD_DETAIL_MATH_UNARY(log)
CTGRAD_DETAIL_MATH_UNARY(tanh)
#define CTGRAD_DETAIL_VECTOR_MATH 0
#endif
CTGRAD_DETAIL_MATH_UNARY(expm1)
CTGRAD_DETAIL_MATH_UNARY(log1p)
CTGRAD_DETAIL_MATH_UNARY(sqrt)
CTGRAD_DETAIL_MATH_UNARY(sin)
CTGRAD_DETAIL_MATH_UNARY(cos)
CTGRAD_DETAIL_MATH_UNARY(atan)
CTGRAD_DETAIL_MATH_UNARY(asin)
CTGRAD_DETAIL_MATH_UNARY(acos)
CTGRAD_DETAIL_MATH_UNARY(sinh)
CTGRAD_DETAIL_MATH_UNARY(cosh)
CTGRAD_DETAIL_MATH_UNARY(erf)

#undef CTGRAD_DETAIL_MATH_UNARY

// exp and log of a lone value (a scalar expression's, where nothing vectorises): the <cmath>
// call, which alone is faster than the vector forms above (tanh's vector form is the faster
// one alone too, so it has none).
#define CTGRAD_DETAIL_MATH_ONE(name)                                               \
  template <class T>                                                               \
    requires std::is_floating_point_v<T>                                           \
  constexpr T name##_one(T x) {                                                    \
    if (std::is_constant_evaluated()) return static_cast<T>(detail::cx::name(x)); \
    return std::name(x);                                                           \
  }
CTGRAD_DETAIL_MATH_ONE(exp)
CTGRAD_DETAIL_MATH_ONE(log)
#undef CTGRAD_DETAIL_MATH_ONE

template <class T>
  requires std::is_floating_point_v<T>
constexpr T atan2(T y, T x) {
  if (std::is_constant_evaluated()) return static_cast<T>(detail::cx::atan2(y, x));
  return std::atan2(y, x);
}

template <class T>
  requires std::is_floating_point_v<T>
constexpr T pow(T x, T y) {
  if (std::is_constant_evaluated()) return static_cast<T>(detail::cx::pow(x, y));
  return std::pow(x, y);
}

}  // namespace ctgrad::math

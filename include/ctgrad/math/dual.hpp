// The elementary functions of a dual number: f(x) with tangent f'(x) * dx. Each calls the
// function of the value type, so nested duals (dual<dual<double>>) carry higher derivatives.
#pragma once

#include <cstddef>

#include "ctgrad/core/dual.hpp"
#include "ctgrad/math/elementary.hpp"

namespace ctgrad::math {

// (declared first: each may call the others on the value type, which may be a dual too)
template <class T, std::size_t K>
constexpr dual<T, K> exp(const dual<T, K>& x);
template <class T, std::size_t K>
constexpr dual<T, K> log(const dual<T, K>& x);
template <class T, std::size_t K>
constexpr dual<T, K> sqrt(const dual<T, K>& x);
template <class T, std::size_t K>
constexpr dual<T, K> expm1(const dual<T, K>& x);
template <class T, std::size_t K>
constexpr dual<T, K> log1p(const dual<T, K>& x);
template <class T, std::size_t K>
constexpr dual<T, K> sin(const dual<T, K>& x);
template <class T, std::size_t K>
constexpr dual<T, K> cos(const dual<T, K>& x);
template <class T, std::size_t K>
constexpr dual<T, K> tanh(const dual<T, K>& x);
template <class T, std::size_t K>
constexpr dual<T, K> atan(const dual<T, K>& x);
template <class T, std::size_t K>
constexpr dual<T, K> asin(const dual<T, K>& x);
template <class T, std::size_t K>
constexpr dual<T, K> acos(const dual<T, K>& x);
template <class T, std::size_t K>
constexpr dual<T, K> sinh(const dual<T, K>& x);
template <class T, std::size_t K>
constexpr dual<T, K> cosh(const dual<T, K>& x);
template <class T, std::size_t K>
constexpr dual<T, K> erf(const dual<T, K>& x);

template <class T, std::size_t K>
constexpr dual<T, K> exp(const dual<T, K>& x) {
  const T e = math::exp(x.value);
  return x.chained(e, e);
}
template <class T, std::size_t K>
constexpr dual<T, K> log(const dual<T, K>& x) {
  return x.chained(math::log(x.value), T(1) / x.value);
}
template <class T, std::size_t K>
constexpr dual<T, K> sqrt(const dual<T, K>& x) {
  const T s = math::sqrt(x.value);
  return x.chained(s, T(0.5) / s);
}
template <class T, std::size_t K>
constexpr dual<T, K> expm1(const dual<T, K>& x) {
  return x.chained(math::expm1(x.value), math::exp(x.value));
}
template <class T, std::size_t K>
constexpr dual<T, K> log1p(const dual<T, K>& x) {
  return x.chained(math::log1p(x.value), T(1) / (T(1) + x.value));
}
template <class T, std::size_t K>
constexpr dual<T, K> sin(const dual<T, K>& x) {
  return x.chained(math::sin(x.value), math::cos(x.value));
}
template <class T, std::size_t K>
constexpr dual<T, K> cos(const dual<T, K>& x) {
  return x.chained(math::cos(x.value), -math::sin(x.value));
}
template <class T, std::size_t K>
constexpr dual<T, K> tanh(const dual<T, K>& x) {
  const T t = math::tanh(x.value);
  return x.chained(t, T(1) - t * t);
}
template <class T, std::size_t K>
constexpr dual<T, K> atan(const dual<T, K>& x) {
  return x.chained(math::atan(x.value), T(1) / (T(1) + x.value * x.value));
}
template <class T, std::size_t K>
constexpr dual<T, K> asin(const dual<T, K>& x) {
  return x.chained(math::asin(x.value), T(1) / math::sqrt((T(1) - x.value) * (T(1) + x.value)));
}
template <class T, std::size_t K>
constexpr dual<T, K> acos(const dual<T, K>& x) {
  return x.chained(math::acos(x.value), T(-1) / math::sqrt((T(1) - x.value) * (T(1) + x.value)));
}
template <class T, std::size_t K>
constexpr dual<T, K> sinh(const dual<T, K>& x) {
  return x.chained(math::sinh(x.value), math::cosh(x.value));
}
template <class T, std::size_t K>
constexpr dual<T, K> cosh(const dual<T, K>& x) {
  return x.chained(math::cosh(x.value), math::sinh(x.value));
}
template <class T, std::size_t K>
constexpr dual<T, K> erf(const dual<T, K>& x) {
  return x.chained(math::erf(x.value), T(1.12837916709551257390) * math::exp(-(x.value * x.value)));
}

template <class T, std::size_t K>
constexpr dual<T, K> atan2(const dual<T, K>& y, const dual<T, K>& x) {
  const T r2 = x.value * x.value + y.value * y.value;
  dual<T, K> r(math::atan2(y.value, x.value));
  for (std::size_t k = 0; k < K; ++k) r.tangent[k] = (x.value * y.tangent[k] - y.value * x.tangent[k]) / r2;
  return r;
}

// x^y: y x^(y-1) dx + x^y log(x) dy, the second term only where dy is not 0 (so a constant
// exponent on a negative base stays finite)
template <class T, std::size_t K>
constexpr dual<T, K> pow(const dual<T, K>& x, const dual<T, K>& y) {
  const T z = math::pow(x.value, y.value);
  const T dx = y.value * math::pow(x.value, y.value - T(1));
  dual<T, K> r(z);
  for (std::size_t k = 0; k < K; ++k) {
    r.tangent[k] = dx * x.tangent[k];
    if (y.tangent[k] != T(0)) r.tangent[k] += z * math::log(x.value) * y.tangent[k];
  }
  return r;
}

template <class T, std::size_t K>
constexpr dual<T, K> sqrt_nonnegative(const dual<T, K>& x) {
  return math::sqrt(x);
}

}  // namespace ctgrad::math

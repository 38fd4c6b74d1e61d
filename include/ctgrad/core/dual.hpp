// dual<T, K>: a number with K tangent lanes, the element type of forward mode.
//
//   dual<double> x{2.0, {1.0}};         // x = 2 moving at speed 1
//   auto y = x * x;                      // y.value == 4, y.tangent[0] == 4 (= 2x dx)
//   var<"x", dual<double, 4>>            // a leaf carrying 4 directions at once
//   dual<dual<double>>                   // nested: second derivatives (and so on)
//
// Every operation and math function works on it (math/dual.hpp gives the functions), so a
// reverse pass run on duals is forward-over-reverse: Hessian columns, K at a time.
// Comparisons look at the value only: a branch (max, relu, where) follows the value, and
// the tangent follows the branch taken.
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <type_traits>

namespace ctgrad {

template <class T, std::size_t K = 1>
struct dual {
  static_assert(K >= 1, "ctgrad: dual<T, K> needs at least one tangent lane");
  using value_type = T;
  static constexpr std::size_t lanes = K;

  T value;
  T tangent[K];

  // `dual d;` is uninitialised, as `double d;` is (a workspace's slots are written before
  // they are read, and zeroing them cost a pass over the workspace); `dual d{}` is zero
  constexpr dual() = default;
  constexpr dual(T v) : value(v), tangent{} {}  // NOLINT: a constant is a dual with zero tangent
  template <class U>
    requires(std::is_arithmetic_v<U> && !std::is_same_v<U, T> && std::is_constructible_v<T, U>)
  constexpr dual(U v) : value(static_cast<T>(v)), tangent{} {}  // NOLINT: so are plain numbers (2, 0.5f)
  constexpr dual(T v, const std::array<T, K>& t) : value(v), tangent{} {
    for (std::size_t k = 0; k < K; ++k) tangent[k] = t[k];
  }

  // value v with tangent 1 in lane `lane`, 0 elsewhere: the seed of a partial derivative
  static constexpr dual seeded(T v, std::size_t lane = 0) {
    dual r(v);
    r.tangent[lane] = T(1);
    return r;
  }

  // value f(x) with tangent f'(x) * x's tangent: the chain rule, lane by lane
  constexpr dual chained(T fx, T dfdx) const {
    dual r(fx);
    for (std::size_t k = 0; k < K; ++k) r.tangent[k] = dfdx * tangent[k];
    return r;
  }

  constexpr dual operator-() const {
    dual r(-value);
    for (std::size_t k = 0; k < K; ++k) r.tangent[k] = -tangent[k];
    return r;
  }
  constexpr dual operator+() const { return *this; }

  constexpr dual& operator+=(const dual& b) { return *this = *this + b; }
  constexpr dual& operator-=(const dual& b) { return *this = *this - b; }
  constexpr dual& operator*=(const dual& b) { return *this = *this * b; }
  constexpr dual& operator/=(const dual& b) { return *this = *this / b; }

  // (hidden friends: found for duals only, and a plain number converts to the other side;
  // each builds its result in a new object, which GCC's constant evaluator needs for
  // deeply nested duals)
  friend constexpr dual operator+(const dual& a, const dual& b) {
    dual r(a.value + b.value);
    for (std::size_t k = 0; k < K; ++k) r.tangent[k] = a.tangent[k] + b.tangent[k];
    return r;
  }
  friend constexpr dual operator-(const dual& a, const dual& b) {
    dual r(a.value - b.value);
    for (std::size_t k = 0; k < K; ++k) r.tangent[k] = a.tangent[k] - b.tangent[k];
    return r;
  }
  friend constexpr dual operator*(const dual& a, const dual& b) {
    dual r(a.value * b.value);
    for (std::size_t k = 0; k < K; ++k) r.tangent[k] = a.tangent[k] * b.value + a.value * b.tangent[k];
    return r;
  }
  friend constexpr dual operator/(const dual& a, const dual& b) {
    dual r(a.value / b.value);
    for (std::size_t k = 0; k < K; ++k) r.tangent[k] = (a.tangent[k] - r.value * b.tangent[k]) / b.value;
    return r;
  }

  friend constexpr bool operator==(const dual& a, const dual& b) { return a.value == b.value; }
  friend constexpr bool operator!=(const dual& a, const dual& b) { return a.value != b.value; }
  friend constexpr bool operator<(const dual& a, const dual& b) { return a.value < b.value; }
  friend constexpr bool operator>(const dual& a, const dual& b) { return a.value > b.value; }
  friend constexpr bool operator<=(const dual& a, const dual& b) { return a.value <= b.value; }
  friend constexpr bool operator>=(const dual& a, const dual& b) { return a.value >= b.value; }
};

namespace detail {
template <class T>
struct is_dual_t : std::false_type {};
template <class T, std::size_t K>
struct is_dual_t<dual<T, K>> : std::true_type {};

// the plain number under any nesting of duals: double for dual<dual<double>>
template <class T>
struct scalar_of {
  using type = T;
};
template <class T, std::size_t K>
struct scalar_of<dual<T, K>> : scalar_of<T> {};
}  // namespace detail

template <class T>
concept dual_number = detail::is_dual_t<T>::value;

// a floating-point number, or a dual of one (at any depth)
template <class T>
concept real_number = std::is_floating_point_v<typename detail::scalar_of<T>::type>;

// the plain value under any nesting: 2.0 for dual<dual<double>> built from 2.0
template <class T>
constexpr auto primal(const T& x) {
  if constexpr (dual_number<T>)
    return primal(x.value);
  else
    return x;
}

}  // namespace ctgrad

// Limits of a dual are its value type's, with zero tangents.
template <class T, std::size_t K>
struct std::numeric_limits<ctgrad::dual<T, K>> : std::numeric_limits<T> {
  using D = ctgrad::dual<T, K>;
  static constexpr D min() noexcept { return D(std::numeric_limits<T>::min()); }
  static constexpr D max() noexcept { return D(std::numeric_limits<T>::max()); }
  static constexpr D lowest() noexcept { return D(std::numeric_limits<T>::lowest()); }
  static constexpr D epsilon() noexcept { return D(std::numeric_limits<T>::epsilon()); }
  static constexpr D infinity() noexcept { return D(std::numeric_limits<T>::infinity()); }
  static constexpr D quiet_NaN() noexcept { return D(std::numeric_limits<T>::quiet_NaN()); }
  static constexpr D denorm_min() noexcept { return D(std::numeric_limits<T>::denorm_min()); }
};

// Test helper: gradients against central finite differences, by ctgrad::gradcheck.
//
// check_gradient(e, rng, leaves...) binds each leaf to a random tensor and checks every
// element of every leaf's gradient (derivatives/gradcheck.hpp says how).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <tuple>

#include <ctgrad/ctgrad.hpp>

namespace test {

template <class T>
constexpr T fd_tolerance() {
  // eps^(2/3) is the error order of a central difference with the optimal step
  return std::is_same_v<T, float> ? T(3e-3) : T(2e-8);
}

struct range {
  double lo = -1, hi = 1;
  bool avoid_zero = false;  // keep |x| >= 0.1 (kinks of abs/relu, poles of log/div)
};

template <class Leaf>
auto random_tensor(std::mt19937_64& rng, range r) {
  using T = typename Leaf::value_type;
  ctgrad::tensor_for<T, typename Leaf::shape_type> t;
  std::uniform_real_distribution<double> u(r.lo, r.hi);
  for (auto& v : t) {
    double x = u(rng);
    if (r.avoid_zero)
      while (std::abs(x) < 0.1) x = u(rng);
    v = static_cast<T>(x);
  }
  return t;
}

// `fixed` binds the leaves that stay as they are (integer labels, say). The comparison is
// ctgrad::gradcheck's, at the tolerances above (its defaults).
template <class E, class Fixed, class... L>
void check_gradient_at(const E& e, std::mt19937_64& rng, range r, const Fixed& fixed, const L&... leaves) {
  using T = typename E::value_type;
  auto values = std::make_tuple(random_tensor<L>(rng, r)...);
  auto bound = std::apply([&](auto&... v) { return ctgrad::at(fixed, (leaves = v)...); }, values);
  const auto report = ctgrad::gradcheck(e, ctgrad::wrt(leaves...), bound, {.atol = fd_tolerance<T>()});
  INFO(report);
  CHECK(bool(report));
}

// A random fixed weighting of e, whose shape must be [D...]: a scalar whose gradient
// depends on every component of e's Jacobian.
template <std::size_t... D, class E>
auto weighted(const E& e, std::mt19937_64& rng) {
  static_assert(std::is_same_v<typename E::shape_type, ctgrad::shape<D...>>, "the expression has another shape");
  using T = typename E::value_type;
  return ctgrad::sum(ctgrad::hadamard(e, ctgrad::constant_of(random_tensor<ctgrad::leaf<"w", T, true, D...>>(rng, {-1, 1}))));
}

template <class E, class... L>
void check_gradient(const E& e, std::mt19937_64& rng, range r, const L&... leaves) {
  check_gradient_at(e, rng, r, ctgrad::at(), leaves...);
}

}  // namespace test

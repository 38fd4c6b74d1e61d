// Test helper: gradients against central finite differences.
//
// check_gradient(e, rng, leaves...) binds each leaf to a random tensor (by reference, so the
// values can be nudged in place), computes grad(e) and, for every element of every leaf,
// compares it with (f(x+h) - f(x-h)) / 2h. The step is h = cbrt(eps) * max(1, |x|), which
// balances truncation (h^2) and rounding (eps/h) error; the tolerance follows from it.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
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

// `fixed` binds the leaves that stay as they are (integer labels, say).
template <class E, class Fixed, class... L>
void check_gradient_at(const E& e, std::mt19937_64& rng, range r, const Fixed& fixed, const L&... leaves) {
  using T = typename E::value_type;
  auto values = std::make_tuple(random_tensor<L>(rng, r)...);
  auto bound = std::apply([&](auto&... v) { return ctgrad::at(fixed, (leaves = v)...); }, values);
  const auto g = ctgrad::grad(e, ctgrad::wrt(leaves...), bound);
  const T f0 = ctgrad::value(e, bound);

  auto check_leaf = [&](const auto& leaf, auto& v) {
    using Leaf = std::remove_cvref_t<decltype(leaf)>;
    const auto analytic = [&] {
      if constexpr (Leaf::shape_type::rank == 0)
        return ctgrad::tensor<T>(g[leaf]);
      else
        return g[leaf];
    }();
    for (std::size_t i = 0; i < v.size(); ++i) {
      const T x = v.flat(i);
      const T h = std::cbrt(std::numeric_limits<T>::epsilon()) * std::max(T(1), std::abs(x));
      v.flat(i) = x + h;
      const T fp = ctgrad::value(e, bound);
      v.flat(i) = x - h;
      const T fm = ctgrad::value(e, bound);
      v.flat(i) = x;
      const T numeric = (fp - fm) / (T(2) * h);
      const T scale = std::max({T(1), std::abs(numeric), std::abs(f0)});
      INFO("leaf \"" << std::string(Leaf::name.c_str()) << "\" element " << i << " at x = " << x);
      CHECK(std::abs(analytic.flat(i) - numeric) <= fd_tolerance<T>() * scale);
    }
  };
  const auto leaf_tuple = std::make_tuple(leaves...);
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (check_leaf(std::get<I>(leaf_tuple), std::get<I>(values)), ...);
  }(std::index_sequence_for<L...>{});
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

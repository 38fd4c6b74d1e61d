// The 0th to Nth derivatives of a scalar function of one scalar leaf:
//
//   auto d = derivatives<3>(f, wrt(x), at(x = 1.0));   // d[0] = f, d[1] = f', d[2], d[3]
//
// One forward pass on N nested duals, x = v + e1 + ... + eN: the part of f(x) in
// e1 e2 ... ek is the kth derivative. It costs 2^N times a plain pass: meant for small N.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

#include "ctgrad/core/dual.hpp"
#include "ctgrad/derivatives/layout.hpp"
#include "ctgrad/derivatives/retype.hpp"
#include "ctgrad/engine/evaluate.hpp"

namespace ctgrad {

namespace detail {

// dual<...dual<T>...>, N deep
template <class T, std::size_t N>
struct nested_dual {
  using type = dual<typename nested_dual<T, N - 1>::type>;
};
template <class T>
struct nested_dual<T, 0> {
  using type = T;
};

// v + e1 + ... + eN
template <class D, class T>
constexpr D nested_seed(T v) {
  if constexpr (dual_number<D>) {
    using Inner = typename D::value_type;
    D x(nested_seed<Inner>(v));
    x.tangent[0] = Inner(T(1));
    return x;
  } else {
    return v;
  }
}

// the kth derivative: the tangent k times from the outside, then values
template <class T, class D>
constexpr T coefficient(const D& y, std::size_t k) {
  if constexpr (dual_number<D>)
    return k > 0 ? coefficient<T>(y.tangent[0], k - 1) : coefficient<T>(y.value, 0);
  else
    return y;
}

inline constexpr auto derivatives_name = fixed_string("derivatives");

}  // namespace detail

template <std::size_t N, detail::evaluable E, class L, binding_set B>
constexpr auto derivatives(const E& e, const wrt_t<L>&, const B& b) {
  using P = detail::derivative_problem_t<detail::derivatives_name, E, wrt_t<L>, B, true>;
  if constexpr (!std::is_void_v<P>) {
    return detail::reported<P, E>();
  } else {
    static_assert(L::shape_type::rank == 0, "ctgrad: derivatives<N>(f, wrt(x), ...): x must be a scalar leaf");
    using T = typename E::value_type;
    using D = typename detail::nested_dual<T, N>::type;
    using S = detail::schedule<E, all_trainable>;
    const auto bound = detail::dual_bindings<S, T, D>(b, [&]<class Leaf>(Leaf, std::size_t, D& x) {
      if constexpr (std::is_same_v<Leaf, L>) x = detail::nested_seed<D>(primal(x));
    });
    const D y = value(detail::retype<T, D>(e), bound);
    std::array<T, N + 1> d{};
    for (std::size_t k = 0; k <= N; ++k) d[k] = detail::coefficient<T>(y, k);
    return d;
  }
}

}  // namespace ctgrad

// Second derivatives of a scalar expression, forward over reverse:
//
//   auto H = hessian(f, wrt(x, y), at(x = -1.2, y = 1.0));
//   H(x, y)                   // d2f / dx dy, shape [x's dims..., y's dims...]
//   H.matrix()                // n x n, in wrt(...) order; H.gradient(x), H.value() too
//   auto r = hvp(f, along(x = vx), at(...));   // r[x]: (H v) for x; r.gradient(x)
//
// The reverse pass (grad) runs on duals whose K lanes carry K directions: its adjoints'
// tangents are K columns of the Hessian, so n inputs take ceil(n / K) passes.
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/core/dual.hpp"
#include "ctgrad/derivatives/along.hpp"
#include "ctgrad/derivatives/jacobian.hpp"
#include "ctgrad/derivatives/layout.hpp"
#include "ctgrad/derivatives/retype.hpp"
#include "ctgrad/engine/workspace.hpp"

namespace ctgrad {

// The Hessian of f for the leaves of W, with f's value and gradient at the same point.
template <class T, class W>
class hessian_result {
  using layout = typename detail::layout_of<W>::type;

 public:
  static constexpr std::size_t size = layout::n;

  constexpr hessian_result(const tensor<T, size, size>& h, const tensor<T, size>& g, T f)
      : matrix_(h), gradient_(g), value_(f) {}

  template <class A, class B>
  constexpr auto operator()(const A&, const B&) const {
    constexpr std::size_t i = layout::template index<A>, j = layout::template index<B>;
    static_assert(i < layout::count && j < layout::count, "ctgrad: H(x, y): x and y must be leaves of the hessian's wrt(...)");
    return detail::block<typename A::shape_type, typename B::shape_type>(matrix_, layout::offset.at[i], layout::offset.at[j]);
  }
  template <class A>
  constexpr auto gradient(const A&) const {
    constexpr std::size_t i = layout::template index<A>;
    static_assert(i < layout::count, "ctgrad: H.gradient(x): x must be a leaf of the hessian's wrt(...)");
    if constexpr (A::shape_type::rank == 0) {
      return gradient_.flat(layout::offset.at[i]);
    } else {
      tensor_for<T, typename A::shape_type> g;
      for (std::size_t k = 0; k < A::shape_type::size; ++k) g.flat(k) = gradient_.flat(layout::offset.at[i] + k);
      return g;
    }
  }
  constexpr T value() const { return value_; }
  constexpr const tensor<T, size, size>& matrix() const { return matrix_; }
  // the gradient as one vector, in wrt(...) order
  constexpr const tensor<T, size>& gradient_vector() const { return gradient_; }

 private:
  tensor<T, size, size> matrix_;
  tensor<T, size> gradient_;
  T value_;
};

namespace detail {

inline constexpr auto hessian_name = fixed_string("hessian");
inline constexpr auto hvp_name = fixed_string("hvp");

// The leaves in retyped form: W's leaves on duals (for the reverse pass on them).
template <class W, class From, class To>
using dual_wrt = typename retyped_wrt<W, From, To>::type;

template <std::size_t Lanes, class E, class W, class B>
constexpr auto hessian_of(const E& e, const B& b) {
  using P = derivative_problem_t<hessian_name, E, W, B, true>;
  if constexpr (!std::is_void_v<P>) {
    return reported<P, E>();
  } else {
    using T = typename E::value_type;
    using layout = typename layout_of<W>::type;
    constexpr std::size_t K = Lanes == 0 ? lanes_for(layout::n) : Lanes;
    using D = dual<T, K>;
    using S = schedule<E, all_trainable>;
    using RE = retyped_t<E, T, D>;
    using RW = dual_wrt<W, T, D>;

    tensor<T, layout::n, layout::n> m{};
    tensor<T, layout::n> gradient{};
    T value{};
    const auto re = retype<T, D>(e);
    workspace<RE, RW> ws;
    for (std::size_t first = 0; first < layout::n; first += K) {
      const auto bound = unit_seeded<S, W, T, D>(b, first);
      const auto g = ws.grad(re, bound);
      if (first == 0) value = g.value().value;
      [&]<class... L>(wrt_t<L...>) {
        std::size_t row = 0;
        in_order{([&] {
                    const auto& t = g.as_tensor(L{});
                    for (std::size_t i = 0; i < L::shape_type::size; ++i, ++row) {
                      if (first == 0) gradient.flat(row) = t.flat(i).value;
                      for (std::size_t l = 0; l < K && first + l < layout::n; ++l) m(row, first + l) = t.flat(i).tangent[l];
                    }
                  }(),
                  0)...};
      }(RW{});
    }
    return hessian_result<T, W>(m, gradient, value);
  }
}

}  // namespace detail

// The Hessian of a scalar f for the leaves of wrt(...); Lanes directions per pass (0: up
// to 8, chosen from the size).
template <std::size_t Lanes = 0, detail::evaluable E, class... L, binding_set B>
constexpr auto hessian(const E& e, const wrt_t<L...>&, const B& b) {
  return detail::hessian_of<Lanes, E, wrt_t<L...>>(e, b);
}

template <std::size_t Lanes = 0, detail::evaluable E, class... L>
constexpr detail::missing_values hessian(const E&, const wrt_t<L...>&) {
  static_assert(detail::no_values<E>, "ctgrad: hessian(f, wrt(...)) needs the leaves' values: hessian(f, wrt(...), at(x = ...))");
  return {};
}

// H v for the leaves of W: r[x] is x's part of H v, r.gradient(x) x's gradient.
template <class Gradients, class From>
class hvp_result {
 public:
  constexpr explicit hvp_result(Gradients g) : g_(static_cast<Gradients&&>(g)) {}
  template <class Leaf>
  constexpr auto operator[](const Leaf&) const {
    return part<Leaf>(true);
  }
  template <class Leaf>
  constexpr auto gradient(const Leaf&) const {
    return part<Leaf>(false);
  }
  constexpr From value() const { return g_.value().value; }

 private:
  template <class Leaf>
  constexpr auto part(bool tangent) const {
    using R = detail::retyped_t<Leaf, From, dual<From, 1>>;
    const auto& t = g_.as_tensor(R{});
    tensor_for<From, typename Leaf::shape_type> out;
    for (std::size_t i = 0; i < Leaf::shape_type::size; ++i) out.flat(i) = tangent ? t.flat(i).tangent[0] : t.flat(i).value;
    if constexpr (Leaf::shape_type::rank == 0)
      return out.flat(0);
    else
      return out;
  }
  Gradients g_;
};

namespace detail {
template <class E, class W, class A, class B>
constexpr auto hvp_of(const E& e, const tangents<A>& dir, const B& b) {
  using P = along_problem_t<hvp_name, E, W, A, B, true>;
  if constexpr (!std::is_void_v<P>) {
    return reported<P, E>();
  } else {
    using T = typename E::value_type;
    using D = dual<T, 1>;
    using S = schedule<E, all_trainable>;
    const auto bound = along_seeded<S, T, D>(b, dir);
    using RW = dual_wrt<W, T, D>;
    auto g = gradient_access::evaluate<call::grad, RW>(retype<T, D>(e), no_seed{}, bound);
    return hvp_result<decltype(g), T>(static_cast<decltype(g)&&>(g));
  }
}
}  // namespace detail

// Hessian-vector product of a scalar f along the tangents, for every trainable leaf ...
template <detail::evaluable E, class A, binding_set B>
constexpr auto hvp(const E& e, const tangents<A>& dir, const B& b) {
  return detail::hvp_of<E, all_trainable>(e, dir, b);
}
// ... or for the leaves of wrt(...)
template <detail::evaluable E, class... L, class A, binding_set B>
constexpr auto hvp(const E& e, const wrt_t<L...>&, const tangents<A>& dir, const B& b) {
  return detail::hvp_of<E, wrt_t<L...>>(e, dir, b);
}

}  // namespace ctgrad

// Jacobians of a tensor-valued expression:
//
//   auto J = jacobian(e, wrt(x, W), at(x = v, W = w));
//   J[x]                      // d e / d x, shape [e's dims..., x's dims...]
//   J.matrix()                // all of it: m x n, columns in wrt(...) order
//
// With m outputs and n inputs, forward mode takes ceil(n / K) passes on duals of K lanes
// and reverse mode m vector-Jacobian products; jacobian() picks forward when n <= m (a
// forward pass on K lanes costs about what a reverse pass does), jacobian_fwd and
// jacobian_rev force one.
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/core/dual.hpp"
#include "ctgrad/derivatives/layout.hpp"
#include "ctgrad/derivatives/retype.hpp"
#include "ctgrad/engine/evaluate.hpp"
#include "ctgrad/engine/workspace.hpp"

namespace ctgrad {

// d e / d (leaves of W): blocks by leaf, J[x].
template <class T, class OutShape, class W>
class jacobian_result {
  using layout = typename detail::layout_of<W>::type;

 public:
  static constexpr std::size_t rows = OutShape::size, cols = layout::n;

  template <class Leaf>
  constexpr auto operator[](const Leaf&) const {
    constexpr std::size_t j = layout::template index<Leaf>;
    static_assert(j < layout::count, "ctgrad: J[x]: x is not one of the jacobian's wrt(...) leaves");
    return detail::block<OutShape, typename Leaf::shape_type>(matrix_, 0, layout::offset.at[j]);
  }
  constexpr const tensor<T, rows, cols>& matrix() const { return matrix_; }
  constexpr tensor<T, rows, cols>& matrix() { return matrix_; }

 private:
  tensor<T, rows, cols> matrix_{};
};

namespace detail {

inline constexpr auto jacobian_name = fixed_string("jacobian");

// the lanes of one forward pass: up to 8 (a dual<double, 8> row is 72 bytes)
constexpr std::size_t lanes_for(std::size_t n) { return n < 8 ? (n == 0 ? 1 : n) : 8; }

// Forward passes over the inputs of W, K at a time, onto `out`: tangent lane l of pass p is
// input column p*K + l; write(column, value of the dual result) stores it.
template <std::size_t K, class E, class W, class B, class Write>
constexpr void forward_passes(const E& e, const B& b, Write&& write) {
  using T = typename E::value_type;
  using D = dual<T, K>;
  using layout = typename layout_of<W>::type;
  using S = schedule<E, all_trainable>;
  const auto re = retype<T, D>(e);
  for (std::size_t first = 0; first < layout::n; first += K) {
    const auto bound = unit_seeded<S, W, T, D>(b, first);
    write(first, value(re, bound));
  }
}

// f(o, gradients) with the gradients of e's output element o for the leaves of W: one
// vector-Jacobian product per row of the Jacobian.
template <class W, class E, class B, class F>
constexpr void jacobian_rows(const E& e, const B& b, F&& f) {
  using T = typename E::value_type;
  workspace<E, W> ws{};  // (zeroed: GCC -O1 -fsanitize=address warns of a read otherwise)
  tensor_for<T, typename E::shape_type> seed{};
  for (std::size_t o = 0; o < E::shape_type::size; ++o) {
    seed.flat(o) = T(1);
    f(o, ws.vjp(e, seed, b));
    seed.flat(o) = T(0);
  }
}

template <bool Forward, class E, class W, class B>
constexpr auto jacobian_of(const E& e, const B& b) {
  using P = derivative_problem_t<jacobian_name, E, W, B, false>;
  if constexpr (!std::is_void_v<P>) {
    return reported<P, E>();
  } else {
    using T = typename E::value_type;
    using Out = typename E::shape_type;
    using layout = typename layout_of<W>::type;
    jacobian_result<T, Out, W> J;
    auto& m = J.matrix();
    if constexpr (Forward) {
      constexpr std::size_t K = lanes_for(layout::n);
      forward_passes<K, E, W>(e, b, [&](std::size_t first, const auto& v) {
        for (std::size_t o = 0; o < Out::size; ++o) {
          const auto& y = [&]() -> const auto& {
            if constexpr (Out::rank == 0) return v; else return v.flat(o);
          }();
          for (std::size_t l = 0; l < K && first + l < layout::n; ++l) m(o, first + l) = y.tangent[l];
        }
      });
    } else {
      jacobian_rows<W>(e, b, [&](std::size_t o, const auto& g) {
        [&]<class... L>(wrt_t<L...>) {
          std::size_t col = 0;
          in_order{([&] {
                      const auto& t = g.as_tensor(L{});
                      for (std::size_t i = 0; i < L::shape_type::size; ++i) m(o, col++) = t.flat(i);
                    }(),
                    0)...};
        }(W{});
      });
    }
    return J;
  }
}

}  // namespace detail

// The Jacobian of e for the leaves of wrt(...), by the cheaper mode (see above).
template <detail::evaluable E, class... L, binding_set B>
constexpr auto jacobian(const E& e, const wrt_t<L...>&, const B& b) {
  constexpr bool forward = [] {
    if constexpr (expression<E>)
      return detail::wrt_layout<L...>::n <= E::shape_type::size;
    else
      return true;
  }();
  return detail::jacobian_of<forward, E, wrt_t<L...>>(e, b);
}
template <detail::evaluable E, class... L>
constexpr detail::missing_values jacobian(const E&, const wrt_t<L...>&) {
  static_assert(detail::no_values<E>, "ctgrad: jacobian(e, wrt(...)) needs the leaves' values: jacobian(e, wrt(...), at(x = ...))");
  return {};
}
// ... by forward passes
template <detail::evaluable E, class... L, binding_set B>
constexpr auto jacobian_fwd(const E& e, const wrt_t<L...>&, const B& b) {
  return detail::jacobian_of<true, E, wrt_t<L...>>(e, b);
}
// ... by reverse passes
template <detail::evaluable E, class... L, binding_set B>
constexpr auto jacobian_rev(const E& e, const wrt_t<L...>&, const B& b) {
  return detail::jacobian_of<false, E, wrt_t<L...>>(e, b);
}

}  // namespace ctgrad

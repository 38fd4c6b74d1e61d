// broadcast_to<D...>(x): x repeated to shape<D...> by NumPy's rule: x's dimensions are the
// trailing ones of the target, each equal or 1. The gradient sums over the repeats.
// (Arithmetic broadcasts by itself, a row over every row: this is for the rest, a column
// [B, 1] over [B, N], say.) A dyn batch must be in both shapes or neither.
#pragma once

#include <cstddef>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/ops/gather.hpp"

namespace ctgrad {
namespace op {

template <std::size_t... D>
struct broadcast_to : detail::gathers<broadcast_to<D...>> {
  static constexpr auto name = fixed_string("broadcast_to");
  using target = shape<D...>;
  static constexpr std::size_t rank = sizeof...(D);

  template <class S>
  static constexpr bool fits = [] {
    if constexpr (S::rank > rank) {
      return false;
    } else {
      for (std::size_t k = 0; k < S::rank; ++k) {
        const std::size_t s = S::dim(k), t = target::dim(rank - S::rank + k);
        if (s != t && s != 1) return false;
      }
      return S::dynamic == target::dynamic && (!S::dynamic || S::rank == rank);
    }
  }();
  template <class S>
  static constexpr auto check() {
    if constexpr (!fits<S>)
      return shape_string(S{}) + fixed_string(" does not broadcast to ") + shape_string(target{}) +
             fixed_string(" (its dimensions must be the trailing ones, each equal or 1; a dyn batch in both or neither)");
    else
      return fixed_string("");
  }
  template <class S>
  using result_shape = target;

  // the index in x of element i of the value (a dyn batch is not repeated: its index passes
  // through as the rest of the quotient)
  template <class S>
  static constexpr std::size_t source(std::size_t i) {
    std::size_t from = 0, stride = 1;
    for (std::size_t k = rank; k-- > 0;) {
      const std::size_t t = target::dim(k);
      const std::size_t idx = (k == 0 && target::dynamic) ? i : i % t;
      i = (k == 0 && target::dynamic) ? 0 : i / t;
      if (k + S::rank >= rank) {
        const std::size_t s = S::dim(k + S::rank - rank);
        if (s != 1) from += idx * stride;
        stride *= s == dyn ? 1 : s;
      }
    }
    return from;
  }

  static constexpr bool one_to_one = false;
  template <class S, class F>
  static constexpr void each(std::size_t size, F&& f) {
    const std::size_t n = S::dynamic ? size / S::row_size * target::row_size : target::size;
    for (std::size_t i = 0; i < n; ++i) f(source<S>(i), i);
  }
};

}  // namespace op

template <std::size_t... D, detail::unary_operand X>
constexpr result_t<op::broadcast_to<D...>, X> broadcast_to(const X& x) {
  return detail::make_node(op::broadcast_to<D...>{}, x);
}

}  // namespace ctgrad

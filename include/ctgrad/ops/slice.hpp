// Parts of a value, chosen at compile time:
//
//   index<i>(x)              element i of the leading axis: [N, D...] -> [D...]; with a dyn
//                            batch, row i (a shape_error when there are not that many rows)
//   slice<A, B, E>(x)        elements B..E-1 along axis A (negative A from the end): the axis
//                            becomes E - B long
//
// The gradient is dy where the part was read and 0 elsewhere.
#pragma once

#include <cstddef>
#include <string>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/ops/axis.hpp"
#include "ctgrad/ops/gather.hpp"

namespace ctgrad {
namespace op {

template <int A, std::size_t B, std::size_t E>
struct slice : detail::gathers<slice<A, B, E>> {
  static constexpr auto name = fixed_string("slice");
  template <class S>
  static constexpr std::size_t axis = detail::axis_index<S::rank, A>;

  template <class S>
  static constexpr auto check() {
    if constexpr (detail::axis_problem<S, A>().length() != 0)
      return detail::axis_problem<S, A>();
    else if constexpr (S::dim(axis<S>) == dyn)
      return fixed_string("axis ") + detail::axis_string<A>() + fixed_string(" of ") + shape_string(S{}) +
             fixed_string(" is the dyn batch, whose length is known only at run time");
    else if constexpr (!(B < E && E <= S::dim(axis<S>)))
      return fixed_string("elements ") + detail::to_fixed_string<B>() + fixed_string(" to ") + detail::to_fixed_string<E>() +
             fixed_string(" (end excluded) are not a part of axis ") + detail::axis_string<A>() + fixed_string(" of ") +
             shape_string(S{});
    else
      return fixed_string("");
  }
  template <class S>
  using result_shape = detail::resized_axis<S, axis<S>, E - B>;

  static constexpr bool one_to_one = false;  // (the rest of the operand gets 0)
  template <class S, class F>
  static constexpr void each(std::size_t size, F&& f) {
    detail::for_each_line<S, axis<S>>(size, [&](std::size_t l, std::size_t base, std::size_t stride, std::size_t) {
      const std::size_t to = (l / stride) * (E - B) * stride + l % stride;
      for (std::size_t k = 0; k < E - B; ++k) f(base + (B + k) * stride, to + k * stride);
    });
  }
};

template <std::size_t I>
struct index {
  static constexpr auto name = fixed_string("index");
  template <class S>
  static constexpr auto check() {
    if constexpr (S::rank == 0)
      return fixed_string("a scalar has no elements to index");
    else if constexpr (S::dim(0) != dyn && I >= S::dim(0))
      return fixed_string("element ") + detail::to_fixed_string<I>() + fixed_string(" is past the end of ") + shape_string(S{});
    else
      return fixed_string("");
  }
  template <class S>
  using result_shape = detail::without_axis<S, 0>;

  template <class X>
  static constexpr std::size_t row_length(const X& x) {
    using S = typename X::shape_type;
    if constexpr (S::dynamic) {
      if (x.rows() <= I)
        throw shape_error("index: row " + std::to_string(I) + " of " + std::to_string(x.rows()) + " rows");
    }
    return S::row_size;
  }
  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    const std::size_t n = row_length(x);
    auto* yp = y.data();
    for (std::size_t j = 0; j < n; ++j) yp[j] = x[I * n + j];
  }
  template <std::size_t, class DX, class DY, class Y, class X>
  constexpr void vjp(const DX& dx, const DY& dy, const Y&, const X& x) const {
    const std::size_t n = row_length(x);
    for (std::size_t i = 0; i < x.size(); ++i) dx.put(i, i / n == I ? dy[i - I * n] : typename DX::value_type{});
  }
};

}  // namespace op

template <std::size_t I, detail::unary_operand X>
constexpr result_t<op::index<I>, X> index(const X& x) {
  return detail::make_node(op::index<I>{}, x);
}
template <int A, std::size_t B, std::size_t E, detail::unary_operand X>
constexpr result_t<op::slice<A, B, E>, X> slice(const X& x) {
  return detail::make_node(op::slice<A, B, E>{}, x);
}

}  // namespace ctgrad

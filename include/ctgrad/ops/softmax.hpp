// Softmax along an axis (-1, the last, by default), and its logarithm:
//
//   softmax<A>(x)       exp(x - m) / sum exp(x - m), m the line's maximum: no overflow
//   log_softmax<A>(x)   x - logsumexp(x): finite at logits of 1e4, where log(softmax(x)) is -inf
//
// VJPs, line by line: softmax dx = y (dy - sum(dy y)); log_softmax dx = dy - softmax sum(dy).
#pragma once

#include <cstddef>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/math/scalar.hpp"
#include "ctgrad/math/summation.hpp"
#include "ctgrad/ops/axis.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad {
namespace op {

template <bool Log, int A>
struct softmax {
  static constexpr auto name = [] {
    if constexpr (Log)
      return fixed_string("log_softmax");
    else
      return fixed_string("softmax");
  }();
  template <class S>
  static constexpr std::size_t axis = detail::axis_index<S::rank, A>;

  template <class S>
  static constexpr auto check() {
    return detail::axis_problem<S, A>();
  }
  template <class S>
  using result_shape = S;

  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    using S = typename X::shape_type;
    using T = typename Y::value_type;
    auto* yp = y.data();
    detail::for_each_line<S, axis<S>>(x.size(), [&](std::size_t, std::size_t base, std::size_t stride, std::size_t n) {
      if constexpr (Log) {
        const T lse = reducer::logsumexp::value<T>(detail::line_view<X>{x, base, stride, n});
        for (std::size_t k = 0, i = base; k < n; ++k, i += stride) yp[i] = x[i] - lse;
      } else {  // one exp per element: e^(x - max), then divided by their sum
        const T m = reducer::extreme<true>::value<T>(detail::line_view<X>{x, base, stride, n});
        const T s = math::sum_of<T>(n, [&](std::size_t k) { return yp[base + k * stride] = math::exp(x[base + k * stride] - m); });
        const T inv = T(1) / s;
        for (std::size_t k = 0, i = base; k < n; ++k, i += stride) yp[i] *= inv;
      }
    });
  }
  template <std::size_t, class DX, class DY, class Y, class X>
  constexpr void vjp(const DX& dx, const DY& dy, const Y& y, const X& x) const {
    using S = typename X::shape_type;
    using T = typename Y::value_type;
    detail::for_each_line<S, axis<S>>(x.size(), [&](std::size_t, std::size_t base, std::size_t stride, std::size_t n) {
      const T s = math::sum_of<T>(n, [&](std::size_t k) {
        const std::size_t i = base + k * stride;
        return Log ? dy[i] : dy[i] * y[i];
      });
      for (std::size_t k = 0, i = base; k < n; ++k, i += stride) {
        if constexpr (Log)
          dx.put(i, dy[i] - math::exp(y[i]) * s);
        else
          dx.put(i, y[i] * (dy[i] - s));
      }
    });
  }
};

}  // namespace op

template <int A = -1, detail::unary_operand X>
constexpr result_t<op::softmax<false, A>, X> softmax(const X& x) {
  return detail::make_node(op::softmax<false, A>{}, x);
}
template <int A = -1, detail::unary_operand X>
constexpr result_t<op::softmax<true, A>, X> log_softmax(const X& x) {
  return detail::make_node(op::softmax<true, A>{}, x);
}

}  // namespace ctgrad

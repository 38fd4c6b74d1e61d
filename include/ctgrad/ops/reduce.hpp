// Reductions to a scalar: sum(e) and mean(e), one operation: mean is the sum scaled by 1/n
// (n the number of elements, known at run time for a dynamic shape).
//
// The gradient is dy (or dy / n) at every element: given element by element (vjp_at), so a
// fusable operand, say the square in sum(square(x - mu)), is never stored (reads_once).
#pragma once

#include <cstddef>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/make_op.hpp"

namespace ctgrad {
namespace op {

template <bool Mean>
struct total {
  static constexpr auto name = [] {
    if constexpr (Mean)
      return fixed_string("mean");
    else
      return fixed_string("sum");
  }();
  template <class A>
  using result_shape = shape<>;

  template <std::size_t OperandExtent, std::size_t Extent>
  static constexpr bool reads_once = true;

  template <class Y, class A>
  constexpr void forward(Y& y, const A& a) const {
    typename Y::value_type s{};
    const std::size_t n = a.size();
    for (std::size_t i = 0; i < n; ++i) s += a[i];
    if constexpr (Mean)
      y.flat(0) = s / static_cast<typename Y::value_type>(n);
    else
      y.flat(0) = s;
  }
  template <std::size_t, class DY, class Y, class A>
  constexpr auto vjp_at(std::size_t, std::size_t, const DY& dy, const Y&, const A& a) const {
    if constexpr (Mean)
      return dy[0] / static_cast<typename Y::value_type>(a.size());
    else
      return dy[0];
  }
};
using sum = total<false>;
using mean = total<true>;

}  // namespace op

template <detail::unary_operand A>
constexpr result_t<op::sum, A> sum(const A& a) {
  return detail::make_node(op::sum{}, a);
}
template <detail::unary_operand A>
constexpr result_t<op::mean, A> mean(const A& a) {
  return detail::make_node(op::mean{}, a);
}

}  // namespace ctgrad

// stop_gradient(e): the value of e, through which no gradient flows (the schedule never
// visits below it on the way back).
#pragma once

#include <cstddef>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/expr/make_op.hpp"

namespace ctgrad {
namespace op {

struct stop_gradient {
  static constexpr auto name = fixed_string("stop_gradient");
  static constexpr bool blocks_gradient = true;
  template <class A>
  using result_shape = A;

  template <class Y, class A>
  constexpr void forward(Y& y, const A& a) const {
    const std::size_t n = y.size();
    for (std::size_t i = 0; i < n; ++i) y.flat(i) = a[i];
  }
};

}  // namespace op

template <detail::unary_operand A>
constexpr result_t<op::stop_gradient, A> stop_gradient(const A& a) {
  return detail::make_node(op::stop_gradient{}, a);
}

}  // namespace ctgrad

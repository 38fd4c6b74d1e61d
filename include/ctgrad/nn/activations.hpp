// Activation functions as layers: function objects over expressions, for nn::Sequential
// and nn::basic_mlp.
//
//   nn::ReLU{}(x) is relu(x); nn::activation<F> does the same for any elementwise function F
//   (the operation contract, expr/operation.hpp): nn::activation<my_fn>.
#pragma once

#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/functions.hpp"

namespace ctgrad::nn {

template <class F>
struct activation {
  static constexpr auto name = F::name;
  template <class X>
  static constexpr auto apply(const X& x) -> elementwise_t<F, X> {
    return ctgrad::detail::make_node(op::map<F>{}, x);
  }
  template <class X>
  constexpr auto operator()(const X& x) const -> elementwise_t<F, X> {
    return apply(x);
  }
};

using ReLU = activation<fn::relu>;
using Tanh = activation<fn::tanh>;
using Sigmoid = activation<fn::sigmoid>;

}  // namespace ctgrad::nn

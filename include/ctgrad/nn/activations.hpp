// Activation functions as function objects over expressions, for nn::basic_mlp.
#pragma once

#include "ctgrad/ops/functions.hpp"

namespace ctgrad::nn {

struct ReLU {
  static constexpr auto name = fixed_string("relu");
  template <class X>
  constexpr auto operator()(const X& x) const -> decltype(ctgrad::relu(x)) {
    return ctgrad::relu(x);
  }
};
struct Tanh {
  static constexpr auto name = fixed_string("tanh");
  template <class X>
  constexpr auto operator()(const X& x) const -> decltype(ctgrad::tanh(x)) {
    return ctgrad::tanh(x);
  }
};
struct Sigmoid {
  static constexpr auto name = fixed_string("sigmoid");
  template <class X>
  constexpr auto operator()(const X& x) const -> decltype(ctgrad::sigmoid(x)) {
    return ctgrad::sigmoid(x);
  }
};

}  // namespace ctgrad::nn

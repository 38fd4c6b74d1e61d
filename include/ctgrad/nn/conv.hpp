// Image layers, NCHW ([N, C, H, W]), for nn::Sequential:
//
//   nn::Conv2d<InC, OutC, K, Stride = 1, Padding = 0, Dilation = 1>   conv2d with a bias
//   nn::MaxPool2d<K, Stride = K>, nn::AvgPool2d<K, Stride = K>
//   nn::Flatten                                                      [N, C, H, W] -> [N, C H W]
//   nn::Unflatten<D...>                                              [N, M] -> [N, D...]
//
// Conv2d's weight [OutC, InC, K, K] and bias [OutC] are leaves "<Name>.W" and "<Name>.b",
// as Linear's; a Sequential names them conv0, conv1, ... in order. Weights start
// Kaiming-uniform over fan-in InC K K, as PyTorch's, and biases at zero.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/nn/parameters.hpp"
#include "ctgrad/nn/sequential.hpp"
#include "ctgrad/ops/conv.hpp"
#include "ctgrad/ops/reshape.hpp"

namespace ctgrad::nn {

template <std::size_t InC, std::size_t OutC, std::size_t K, std::size_t Stride = 1, std::size_t Padding = 0,
          std::size_t Dilation = 1, class T = float, fixed_string Name = "conv">
class Conv2d : public parameter_owner<parameter_set<leaf<Name + fixed_string(".W"), T, true, OutC, InC, K, K>,
                                                    leaf<Name + fixed_string(".b"), T, true, OutC>>>,
               public applies<Conv2d<InC, OutC, K, Stride, Padding, Dilation, T, Name>> {
 public:
  static constexpr leaf<Name + fixed_string(".W"), T, true, OutC, InC, K, K> W{};
  static constexpr leaf<Name + fixed_string(".b"), T, true, OutC> b{};
  using parameter_set = nn::parameter_set<std::remove_const_t<decltype(W)>, std::remove_const_t<decltype(b)>>;
  // in a Sequential: named conv0, conv1, ...
  static constexpr auto kind = fixed_string("conv");
  template <fixed_string N>
  using named = Conv2d<InC, OutC, K, Stride, Padding, Dilation, T, N>;

  constexpr Conv2d() = default;
  constexpr explicit Conv2d(std::uint64_t seed, init scheme = init::kaiming_uniform) {
    initialize(this->params_, seed, scheme);
  }

  template <ctgrad::detail::unary_operand X>
  static constexpr auto apply(const X& x) {
    return conv2d<Stride, Padding, Dilation>(x, W, b);
  }
};

template <std::size_t K, std::size_t Stride = K>
struct MaxPool2d : applies<MaxPool2d<K, Stride>> {
  static constexpr auto name = fixed_string("max_pool2d");
  template <ctgrad::detail::unary_operand X>
  static constexpr auto apply(const X& x) {
    return max_pool2d<K, Stride>(x);
  }
};

template <std::size_t K, std::size_t Stride = K>
struct AvgPool2d : applies<AvgPool2d<K, Stride>> {
  static constexpr auto name = fixed_string("avg_pool2d");
  template <ctgrad::detail::unary_operand X>
  static constexpr auto apply(const X& x) {
    return avg_pool2d<K, Stride>(x);
  }
};

// everything after the batch axis in one: [N, C, H, W] -> [N, C H W]
struct Flatten : applies<Flatten> {
  static constexpr auto name = fixed_string("flatten");
  template <ctgrad::detail::unary_operand X>
  static constexpr auto apply(const X& x) {
    return flatten<1>(x);
  }
};

// the rows of a batch as images: [N, M] -> [N, D...] (M the product of D...), e.g. pixel
// rows [N, 784] as [N, 1, 28, 28]; the batch may be dyn
template <std::size_t... D>
struct Unflatten : applies<Unflatten<D...>> {
  static constexpr auto name = fixed_string("unflatten");
  template <ctgrad::detail::unary_operand X>
  static constexpr auto apply(const X& x) {
    return reshape<X::shape_type::dim(0), D...>(x);
  }
};

}  // namespace ctgrad::nn

// A multi-layer perceptron:  nn::MLP<784, 128, 10> net{seed};  net(X)
//
// Linear(784,128) -> ReLU -> Linear(128,10), no activation after the last layer: the
// nn::Sequential of those layers, with the sizes and the Linear layers at hand. The layers
// are Linear<S_i, S_i+1, T, "fc<i>">, so the parameters are named fc0.W, fc0.b, fc1.W, ...
// (as a Sequential names them, and as weight files have always had them).
//
//   nn::MLP<3, 2, 1>                          float, ReLU
//   nn::basic_mlp<double, nn::Tanh, 2, 16, 1>  any element type and activation
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/expr/expression.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/nn/activations.hpp"
#include "ctgrad/nn/linear.hpp"
#include "ctgrad/nn/parameters.hpp"
#include "ctgrad/nn/sequential.hpp"

namespace ctgrad::nn {

namespace detail {
template <std::size_t... S>
struct size_list {
  static constexpr std::size_t at(std::size_t i) {
    constexpr std::size_t all[] = {S...};
    return all[i];
  }
};
// layer I of the chain Linear<S_0, S_1>, Activation, Linear<S_1, S_2>, ..., Linear<S_n-1, S_n>
template <class T, class Activation, class Sizes, std::size_t I>
using mlp_element = std::conditional_t<I % 2 == 0, Linear<Sizes::at(I / 2), Sizes::at(I / 2 + 1), T>, Activation>;
template <class T, class Activation, class Sizes, class Index>
struct mlp_sequential;
template <class T, class Activation, class Sizes, std::size_t... I>
struct mlp_sequential<T, Activation, Sizes, std::index_sequence<I...>> {
  using type = Sequential<mlp_element<T, Activation, Sizes, I>...>;
};
template <class T, class Activation, std::size_t... Sizes>
using mlp_base = typename mlp_sequential<T, Activation, size_list<Sizes...>,
                                         std::make_index_sequence<2 * sizeof...(Sizes) - 3>>::type;
}  // namespace detail

template <class T, class Activation, std::size_t... Sizes>
class basic_mlp;
template <class T, class Activation, std::size_t... Sizes>
  requires(sizeof...(Sizes) < 2)
class basic_mlp<T, Activation, Sizes...> {
  static_assert(sizeof...(Sizes) >= 2, "ctgrad: an MLP needs at least an input and an output size");
};
template <class T, class Activation, std::size_t... Sizes>
  requires(sizeof...(Sizes) >= 2)
class basic_mlp<T, Activation, Sizes...> : public detail::mlp_base<T, Activation, Sizes...> {
  using base = detail::mlp_base<T, Activation, Sizes...>;

 public:
  static constexpr std::size_t depth = sizeof...(Sizes) - 1;  // number of Linear layers
  static constexpr std::size_t in_features = detail::size_list<Sizes...>::at(0),
                               out_features = detail::size_list<Sizes...>::at(depth);
  using parameter_set = typename base::parameter_set;
  using activation = Activation;
  // layer<0> is the first Linear: layer<0>::W is its weight leaf
  template <std::size_t I>
  using layer = typename base::template layer<2 * I>;

 private:
  // an expression of shape [In] or [B, In]
  template <class X>
  static constexpr bool accepts = [] {
    if constexpr (expression<X>) {
      using S = typename std::remove_cvref_t<X>::shape_type;
      return (S::rank == 1 || S::rank == 2) && S::dim(S::rank - 1) == in_features;
    } else {
      return false;
    }
  }();

 public:
  constexpr basic_mlp() = default;  // all parameters zero (e.g. before load())
  constexpr explicit basic_mlp(std::uint64_t seed, init scheme = init::kaiming_uniform) : base(seed, scheme) {}

  // the network applied to an expression of shape [In] or [B, In]
  template <class X>
    requires(accepts<X>)
  static constexpr auto apply(const X& x) {
    return base::apply(x);
  }
  // a wrong input: the first layer's error (or the input's own, passed through)
  template <class X>
    requires(!accepts<X> && ctgrad::detail::unary_operand<X>)
  static constexpr auto apply(const X& x) -> decltype(layer<0>::apply(x)) {
    return layer<0>::apply(x);
  }
  template <class X>
  constexpr auto operator()(const X& x) const -> decltype(apply(x)) {
    return apply(x);
  }
};

template <std::size_t... Sizes>
using MLP = basic_mlp<float, ReLU, Sizes...>;

}  // namespace ctgrad::nn

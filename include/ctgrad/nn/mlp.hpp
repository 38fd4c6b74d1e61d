// A multi-layer perceptron:  nn::MLP<784, 128, 10> net{seed};  net(X)
//
// Linear(784,128) -> ReLU -> Linear(128,10), no activation after the last layer. The
// layers are Linear<S_i, S_i+1, T, "fc<i>">, so the parameters are named fc0.W, fc0.b,
// fc1.W, ...; the forward expression is a Hana fold over the layer list; the parameter
// set is the union of the layers' sets, held in one object.
//
//   nn::MLP<3, 2, 1>                          float, ReLU
//   nn::basic_mlp<double, nn::Tanh, 2, 16, 1>  any element type and activation
#pragma once

#include <boost/hana/at.hpp>
#include <boost/hana/back.hpp>
#include <boost/hana/drop_back.hpp>
#include <boost/hana/fold_left.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
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

namespace ctgrad::nn {

namespace hana = boost::hana;

namespace detail {
template <class... Sets>
struct joined_parameters;
template <class... A>
struct joined_parameters<parameter_set<A...>> {
  using type = parameter_set<A...>;
};
template <class... A, class... B, class... Rest>
struct joined_parameters<parameter_set<A...>, parameter_set<B...>, Rest...>
    : joined_parameters<parameter_set<A..., B...>, Rest...> {};

// (a function, not an expression in the template argument: GCC 12 mis-parses the latter
// inside pack expansions)
template <std::size_t I>
constexpr auto layer_name() {
  return fixed_string("fc") + ctgrad::detail::to_fixed_string<I>();
}
template <class T, std::size_t I, std::size_t In, std::size_t Out>
using mlp_layer = Linear<In, Out, T, layer_name<I>()>;

template <std::size_t... S>
struct size_list {
  static constexpr std::size_t at(std::size_t i) {
    constexpr std::size_t all[] = {S...};
    return all[i];
  }
};

template <class T, class Sizes, class Index>
struct mlp_layers;
template <class T, class Sizes, std::size_t... I>
struct mlp_layers<T, Sizes, std::index_sequence<I...>> {
  using types = hana::tuple<hana::type<mlp_layer<T, I, Sizes::at(I), Sizes::at(I + 1)>>...>;
  using parameter_set =
      typename joined_parameters<typename mlp_layer<T, I, Sizes::at(I), Sizes::at(I + 1)>::parameter_set...>::type;
};
}  // namespace detail

namespace detail {
template <class T, std::size_t... Sizes>
using mlp_layers_of = mlp_layers<T, size_list<Sizes...>, std::make_index_sequence<sizeof...(Sizes) - 1>>;
}

template <class T, class Activation, std::size_t... Sizes>
class basic_mlp : public parameter_owner<typename detail::mlp_layers_of<T, Sizes...>::parameter_set> {
  static_assert(sizeof...(Sizes) >= 2, "ctgrad: an MLP needs at least an input and an output size");
  using layers = detail::mlp_layers_of<T, Sizes...>;

 public:
  static constexpr std::size_t depth = sizeof...(Sizes) - 1;  // number of Linear layers
  static constexpr std::size_t in_features = detail::size_list<Sizes...>::at(0),
                               out_features = detail::size_list<Sizes...>::at(depth);
  using parameter_set = typename layers::parameter_set;
  using activation = Activation;
  // layer<0> is the first Linear: layer<0>::W is its weight leaf
  template <std::size_t I>
  using layer = typename decltype(+hana::at_c<I>(typename layers::types{}))::type;

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
  constexpr explicit basic_mlp(std::uint64_t seed, init scheme = init::kaiming_uniform) {
    initialize(this->params_, seed, scheme);
  }

  // the network applied to an expression of shape [In] or [B, In]
  template <class X>
    requires(accepts<X>)
  static constexpr auto apply(const X& x) {
    constexpr typename layers::types all{};
    const auto hidden = hana::fold_left(hana::drop_back(all), x, [](const auto& h, auto layer_type) {
      return Activation{}(decltype(layer_type)::type::apply(h));
    });
    return decltype(+hana::back(all))::type::apply(hidden);
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

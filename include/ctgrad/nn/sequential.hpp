// Layers in a chain:  nn::Sequential<Layer...> net{seed};  net(x)
//
//   using LeNet = nn::Sequential<nn::Conv2d<1, 6, 5, 1, 2>, nn::ReLU, nn::MaxPool2d<2>,
//                                nn::Conv2d<6, 16, 5>, nn::ReLU, nn::MaxPool2d<2>, nn::Flatten,
//                                nn::Linear<400, 120>, nn::ReLU, nn::Linear<120, 84>, nn::ReLU,
//                                nn::Linear<84, 10>>;
//
// The expression is the layers applied in order; the parameters are the layers' own, held
// in one object. A layer is a type with a static apply(x) (an expression of x). A layer
// with parameters also has a parameter_set, a `kind` ("fc", "conv") and named<Name>, the
// same layer with its leaves named Name: the Sequential names the k-th layer of a kind
// <kind><k> (fc0, fc1, conv0, ...), so the same layer may appear twice and the names stay
// those of nn::MLP (which is a Sequential): weight files written by either load into both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/nn/parameters.hpp"

namespace ctgrad::nn {

// layer(x) for a layer type with a static apply(x): derive from applies<Layer>
template <class Layer>
struct applies {
  template <ctgrad::detail::unary_operand X>
  constexpr auto operator()(const X& x) const {
    return Layer::apply(x);
  }
};

namespace detail {

template <class L>
concept has_parameters = requires {
  typename L::parameter_set;
  L::kind;
};

template <class... Sets>
struct joined_sets {
  using type = parameter_set<>;
};
template <class... A>
struct joined_sets<parameter_set<A...>> {
  using type = parameter_set<A...>;
};
template <class... A, class... B, class... Rest>
struct joined_sets<parameter_set<A...>, parameter_set<B...>, Rest...> : joined_sets<parameter_set<A..., B...>, Rest...> {};

template <class A, class B>
constexpr bool same_kind() {
  if constexpr (has_parameters<A> && has_parameters<B>)
    return A::kind == B::kind;
  else
    return false;
}

// how many of the first I layers have parameters of the same kind as layer I
template <std::size_t I, class... L>
constexpr std::size_t same_kind_before() {
  using Li = std::tuple_element_t<I, std::tuple<L...>>;
  constexpr bool match[] = {same_kind<L, Li>()...};
  std::size_t n = 0;
  for (std::size_t j = 0; j < I; ++j) n += match[j] ? 1 : 0;
  return n;
}

// layer I as the Sequential holds it: renamed <kind><k> if it has parameters
template <std::size_t I, class... L>
struct sequential_layer {
  using type = std::tuple_element_t<I, std::tuple<L...>>;
};
template <std::size_t I, class... L>
  requires has_parameters<std::tuple_element_t<I, std::tuple<L...>>>
struct sequential_layer<I, L...> {
  using Li = std::tuple_element_t<I, std::tuple<L...>>;
  using type = typename Li::template named<Li::kind + ctgrad::detail::to_fixed_string<same_kind_before<I, L...>()>()>;
};

template <class Layer>
struct parameters_or_none {
  using type = parameter_set<>;
};
template <has_parameters Layer>
struct parameters_or_none<Layer> {
  using type = typename Layer::parameter_set;
};

template <class Index, class... L>
struct sequential_parameters;
template <std::size_t... I, class... L>
struct sequential_parameters<std::index_sequence<I...>, L...> {
  using type = typename joined_sets<typename parameters_or_none<typename sequential_layer<I, L...>::type>::type...>::type;
};

template <class... L>
struct sequential_types {
  template <std::size_t I>
  using layer = typename sequential_layer<I, L...>::type;
  using parameter_set = typename sequential_parameters<std::index_sequence_for<L...>, L...>::type;
};

}  // namespace detail

template <class... Layers>
class Sequential : public parameter_owner<typename detail::sequential_types<Layers...>::parameter_set>,
                   public applies<Sequential<Layers...>> {
  static_assert(sizeof...(Layers) >= 1, "ctgrad: a Sequential needs at least one layer");
  using types = detail::sequential_types<Layers...>;

  template <std::size_t I, class X>
  static constexpr auto apply_from(const X& x) {
    if constexpr (I == sizeof...(Layers))
      return x;
    else
      return apply_from<I + 1>(layer<I>::apply(x));
  }

 public:
  static constexpr std::size_t size = sizeof...(Layers);
  using parameter_set = typename types::parameter_set;
  // layer<I> is the I-th layer as held here (with its parameters' names): layer<0>::W
  template <std::size_t I>
  using layer = typename types::template layer<I>;

  constexpr Sequential() = default;  // all parameters zero (e.g. before load())
  constexpr explicit Sequential(std::uint64_t seed, init scheme = init::kaiming_uniform) {
    initialize(this->params_, seed, scheme);
  }

  // the layers applied to x in order
  template <ctgrad::detail::unary_operand X>
  static constexpr auto apply(const X& x) {
    return apply_from<0>(x);
  }
};

}  // namespace ctgrad::nn

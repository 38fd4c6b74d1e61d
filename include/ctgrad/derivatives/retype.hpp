// The same expression on another element type: every leaf and constant of element type
// From becomes one of To (a dual), operations stay as they are. Forward mode, Jacobians and
// Hessians are the ordinary engine run on the retyped expression, with each leaf bound to
// a dual tensor: its value, and tangents the caller chooses.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctgrad/core/pack.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/derivatives/along.hpp"
#include "ctgrad/derivatives/layout.hpp"
#include "ctgrad/engine/schedule.hpp"
#include "ctgrad/expr/binding.hpp"
#include "ctgrad/expr/expression.hpp"

namespace ctgrad::detail {

template <class E, class From, class To>
struct retyped {
  using type = E;
};
template <fixed_string N, class T, bool Tr, std::size_t... D, class From, class To>
struct retyped<leaf<N, T, Tr, D...>, From, To> {
  using type = leaf<N, std::conditional_t<std::is_same_v<T, From>, To, T>, Tr, D...>;
};
template <class T, std::size_t... D, class From, class To>
struct retyped<constant<T, D...>, From, To> {
  using type = constant<std::conditional_t<std::is_same_v<T, From>, To, T>, D...>;
};
template <class Op, class... C, class From, class To>
struct retyped<node<Op, C...>, From, To> {
  using type = node<Op, typename retyped<C, From, To>::type...>;
};
template <class E, class From, class To>
using retyped_t = typename retyped<E, From, To>::type;

template <class W, class From, class To>
struct retyped_wrt {
  using type = W;
};
template <class... L, class From, class To>
struct retyped_wrt<wrt_t<L...>, From, To> {
  using type = wrt_t<retyped_t<L, From, To>...>;
};

template <class To, class T, std::size_t... D>
constexpr tensor<To, D...> converted(const tensor<T, D...>& t) {
  tensor<To, D...> r;
  for (std::size_t i = 0; i < tensor<T, D...>::extent; ++i) r.flat(i) = To(t.flat(i));
  return r;
}

template <class E>
struct arity;
template <class Op, class... C>
struct arity<node<Op, C...>> : std::integral_constant<std::size_t, sizeof...(C)> {};

template <class From, class To, class E>
constexpr retyped_t<E, From, To> retype(const E& e);
template <class From, class To, class R, class E, std::size_t... I>
constexpr R retype_children(const E& e, std::index_sequence<I...>) {
  return R{e.op, typename R::children_type(retype<From, To>(child<I>(e))...)};
}

// The expression object on To: constants converted, pure subtrees made on the spot.
template <class From, class To, class E>
constexpr retyped_t<E, From, To> retype(const E& e) {
  using R = retyped_t<E, From, To>;
  if constexpr (is_pure<R>) {
    return R{};
  } else if constexpr (is_constant<E>) {
    if constexpr (std::is_same_v<typename E::value_type, From>)
      return R{converted<To>(e.value)};
    else
      return e;
  } else {
    return retype_children<From, To, R>(e, std::make_index_sequence<arity<E>::value>{});
  }
}

template <std::size_t N>
struct leaf_list {
  std::size_t step[N + 1]{};
  std::size_t size = 0;
};
// The steps of schedule S that are leaves, in schedule order.
template <class S>
struct leaf_steps {
  static constexpr std::size_t steps = S::size;
  static constexpr leaf_list<steps> list = []<std::size_t... I>(std::index_sequence<I...>) {
    constexpr bool is[] = {is_leaf<typename S::template node<I>>..., false};
    leaf_list<steps> r;
    for (std::size_t i = 0; i < steps; ++i)
      if (is[i]) r.step[r.size++] = i;
    return r;
  }(std::make_index_sequence<steps>{});
};

// Bindings for the retyped leaves: a leaf of element type From gets a tensor of To with
// its bound value and the tangents seed(leaf, flat index, element) writes; any other leaf
// keeps its binding.
template <class S, class From, class To, class B, class Seed>
constexpr auto dual_bindings(const B& b, Seed&& seed) {
  auto one = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
    using L = typename S::template node<leaf_steps<S>::list.step[J]>;
    using Bound = typename binding_in<L, B>::type;
    if constexpr (std::is_same_v<typename L::value_type, From>) {
      using R = retyped_t<L, From, To>;
      using Tensor = tensor_for<To, typename L::shape_type>;
      static_assert(!L::shape_type::dynamic,
                    "ctgrad: jvp, jacobian, hessian and gradcheck take leaves of static shape (a dyn leaf follows)");
      Tensor t;
      const auto& v = static_cast<const Bound&>(b).get();
      for (std::size_t i = 0; i < Tensor::extent; ++i) {
        t.flat(i) = To(v.flat(i));
        seed(L{}, i, t.flat(i));
      }
      return binding<R, by_value<Tensor>>{{t}};
    } else {
      return static_cast<const Bound&>(b);
    }
  };
  return [&]<std::size_t... J>(std::index_sequence<J...>) {
    return bindings<decltype(one(std::integral_constant<std::size_t, J>{}))...>{
        one(std::integral_constant<std::size_t, J>{})...};
  }(std::make_index_sequence<leaf_steps<S>::list.size>{});
}

// Dual bindings whose lane l is the unit direction of input first + l, the inputs being W's
// leaves laid end to end (layout.hpp): one pass of a forward Jacobian or of a Hessian.
template <class S, class W, class From, class To, class B>
constexpr auto unit_seeded(const B& b, std::size_t first) {
  using layout = typename layout_of<W>::type;
  return dual_bindings<S, From, To>(b, [first]<class L>(L, std::size_t i, To& x) {
    constexpr std::size_t j = layout::template index<L>;
    if constexpr (j < layout::count) {
      const std::size_t g = layout::offset.at[j] + i;
      if (g >= first && g < first + To::lanes) x.tangent[g - first] = From(1);
    }
  });
}

// Dual bindings whose lane 0 is the caller's direction along(...); other leaves stand still.
template <class S, class From, class To, class B, class A>
constexpr auto along_seeded(const B& b, const tangents<A>& dir) {
  return dual_bindings<S, From, To>(b, [&]<class L>(L, std::size_t i, To& x) {
    if constexpr (A::template has<L>()) x.tangent[0] = dir.bound.template get<L>().flat(i);
  });
}

}  // namespace ctgrad::detail

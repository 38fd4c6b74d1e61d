// Values put together, any number of them (numbers too):
//
//   concat<A>(a, b, ...)   along axis A (negative from the end), which the others must agree on
//   stack(a, b, ...)       along a new leading axis: K values of shape S make [K, S...];
//                          stack<A> puts the new axis at A (-1: after the last)
//
// One operation joins up to three operands (max_operands); more are joined in groups of
// three, then the groups, so K operands make a tree about log3(K) deep. The gradient of
// each operand is its part of dy.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/ops/axis.hpp"

namespace ctgrad {

namespace detail {
// operand I of a pack (a tuple of expressions would ask whether leaves are assignable,
// which is their binding syntax)
template <std::size_t I, class First, class... Rest>
constexpr const auto& nth(const First& first, const Rest&... rest) {
  if constexpr (I == 0)
    return first;
  else
    return nth<I - 1>(rest...);
}
}  // namespace detail

namespace op {

// New: each operand gets the axis with extent 1 first (stack); else concat
template <int A, bool New>
struct join {
  static constexpr auto name = [] {
    if constexpr (New)
      return fixed_string("stack");
    else
      return fixed_string("concat");
  }();

  // the operand's shape as it is joined, and the axis
  template <class S>
  static constexpr std::size_t axis = New ? detail::axis_index<S::rank + 1, A> : detail::axis_index<S::rank, A>;
  template <class S, bool Insert = New>
  struct joined_t {
    using type = detail::with_axis<S, axis<S>, 1>;
  };
  template <class S>
  struct joined_t<S, false> {
    using type = S;
  };
  template <class S>
  using joined = typename joined_t<S>::type;

  template <class S0, class... S>
  static constexpr auto check() {
    constexpr std::size_t a = axis<S0>;
    if constexpr (a == (New ? S0::rank + 1 : S0::rank))
      return fixed_string("axis ") + detail::axis_string<A>() + fixed_string(" is not an axis of ") +
             shape_string(joined<S0>{});
    else if constexpr (!((S::rank == S0::rank) && ...))
      return fixed_string("operands of different ranks: ") + shape_string(S0{}) + (... + (fixed_string(", ") + shape_string(S{})));
    else if constexpr (!(std::is_same_v<detail::resized_axis<joined<S>, a, 1>, detail::resized_axis<joined<S0>, a, 1>> && ...))
      return fixed_string("operands differ in more than axis ") + detail::axis_string<A>() + fixed_string(": ") +
             shape_string(S0{}) + (... + (fixed_string(", ") + shape_string(S{})));
    else if constexpr (S0::dynamic && a == 0)
      return fixed_string("the dyn batch of ") + shape_string(S0{}) + fixed_string(" stays the first axis, and one length");
    else
      return fixed_string("");
  }
  template <class S0, class... S>
  using result_shape = detail::resized_axis<joined<S0>, axis<S0>, (joined<S0>::dim(axis<S0>) + ... + joined<S>::dim(axis<S0>))>;

  // f(from, to) for every element of operand K: its index there and in the value
  template <std::size_t K, class F, class... X>
  static constexpr void each(F&& f, const X&... x) {
    using J0 = joined<typename detail::operand_t<0, X...>::shape_type>;
    constexpr std::size_t a = axis<typename detail::operand_t<0, X...>::shape_type>;
    constexpr std::size_t lengths[] = {joined<typename X::shape_type>::dim(a)...};
    constexpr std::size_t total = (joined<typename X::shape_type>::dim(a) + ...);
    constexpr std::size_t offset = [&] {
      std::size_t o = 0;
      for (std::size_t k = 0; k < K; ++k) o += lengths[k];
      return o;
    }();
    const auto& xk = detail::nth<K>(x...);
    detail::for_each_line<J0, a>(xk.size() / lengths[K] * J0::dim(a),
                                 [&](std::size_t l, std::size_t, std::size_t stride, std::size_t) {
                                   const std::size_t from = (l / stride) * lengths[K] * stride + l % stride;
                                   const std::size_t to = (l / stride) * total * stride + l % stride + offset * stride;
                                   for (std::size_t k = 0; k < lengths[K]; ++k) f(from + k * stride, to + k * stride);
                                 });
  }

  template <class Y, class... X>
  constexpr void forward(Y& y, const X&... x) const {
    auto* yp = y.data();
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      (each<K>([&](std::size_t from, std::size_t to) { yp[to] = detail::nth<K>(x...)[from]; }, x...), ...);
    }(std::index_sequence_for<X...>{});
  }
  template <std::size_t K, class DX, class DY, class Y, class... X>
  constexpr void vjp(const DX& dx, const DY& dy, const Y&, const X&... x) const {
    each<K>([&](std::size_t from, std::size_t to) { dx.put(from, dy[to]); }, x...);
  }
};

}  // namespace op

namespace detail {

// The type of K operands joined: one node for up to max_operands, else the nodes of groups
// of max_operands (the last may be smaller) joined in turn
template <int A, bool New, class... X>
struct join_type;
template <int A, bool New, std::size_t First, std::size_t Count, class... X>
struct group_type {
  using type = decltype([]<std::size_t... I>(std::index_sequence<I...>) {
    return std::type_identity<result_t<op::join<A, New>, operand_t<First + I, X...>...>>{};
  }(std::make_index_sequence<Count>{}))::type;
};
template <std::size_t N, std::size_t G>
inline constexpr std::size_t group_size = N - G * max_operands < max_operands ? N - G * max_operands : max_operands;
template <int A, bool New, class Groups, class... X>
struct groups_joined;
template <int A, bool New, std::size_t... G, class... X>
struct groups_joined<A, New, std::index_sequence<G...>, X...> {
  using type = typename join_type<A, false,
                                  typename group_type<A, New, G * max_operands, group_size<sizeof...(X), G>, X...>::type...>::type;
};
template <int A, bool New, class... X>
struct join_type {
  using type = typename groups_joined<A, New, std::make_index_sequence<(sizeof...(X) + max_operands - 1) / max_operands>,
                                      X...>::type;
};
template <int A, bool New, class... X>
  requires(sizeof...(X) <= max_operands)
struct join_type<A, New, X...> {
  using type = result_t<op::join<A, New>, X...>;
};

// operands First..First+Count, joined by one node
template <int A, bool New, std::size_t First, std::size_t Count, class... X>
constexpr typename group_type<A, New, First, Count, X...>::type join_group(const X&... x) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return make_node(op::join<A, New>{}, nth<First + I>(x...)...);
  }(std::make_index_sequence<Count>{});
}

template <int A, bool New, class... X>
constexpr typename join_type<A, New, X...>::type join_all(const X&... x) {
  constexpr std::size_t n = sizeof...(X);
  if constexpr (n <= max_operands) {
    return make_node(op::join<A, New>{}, x...);
  } else {
    return [&]<std::size_t... G>(std::index_sequence<G...>) {
      return join_all<A, false>(join_group<A, New, G * max_operands, group_size<n, G>>(x...)...);
    }(std::make_index_sequence<(n + max_operands - 1) / max_operands>{});
  }
}

}  // namespace detail

// (numbers become constants first, so that a group of them alone still joins)
namespace detail {
template <class... X>
concept join_operands = sizeof...(X) >= 1 && (operand<X> && ...) && !(number<X> && ...);
template <int A, bool New, class... X>
using joined_t = typename join_type<A, New, as_expression_t<typename element_type_of<X...>::type, X>...>::type;
}  // namespace detail

template <int A, class... X>
  requires detail::join_operands<X...>
constexpr detail::joined_t<A, false, X...> concat(const X&... x) {
  using T = typename detail::element_type_of<X...>::type;
  return detail::join_all<A, false>(detail::as_expression<T>(x)...);
}
template <int A = 0, class... X>
  requires detail::join_operands<X...>
constexpr detail::joined_t<A, true, X...> stack(const X&... x) {
  using T = typename detail::element_type_of<X...>::type;
  return detail::join_all<A, true>(detail::as_expression<T>(x)...);
}

}  // namespace ctgrad

// How evaluation reaches each step: per step a *recipe*, a small type saying where its value
// or adjoint is (see storage.hpp) or, for a fused step, how to compute it where it is read.
//
//   in_values<X, K>, in_inputs<X, K>       the value is slot K of the values pool of X, or
//                                          is where pointer K of the inputs pool of X points
//   op_recipe<Op, OpK, T, Shape, Out, C...> an operation with operand recipes C...: stored in
//                                          slot Out of its type's values pool, or (fused) a
//                                          lazy view made where it is read
//   adj_stored<X, K>, adj_fused<...>       the same for adjoints
//
// run_step<recipe> runs one step: forward, or the vector-Jacobian products of its backward
// edges. Recipes name operations, element types, shapes and numbers, never the expression,
// so the functions that run steps stay small to compile (docs/design.md, "Compile time").
#pragma once

#include <boost/hana/basic_tuple.hpp>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ctgrad/core/tensor.hpp"
#include "ctgrad/engine/fusion.hpp"
#include "ctgrad/engine/schedule.hpp"
#include "ctgrad/engine/storage.hpp"
#include "ctgrad/expr/expression.hpp"
#include "ctgrad/expr/view.hpp"

namespace ctgrad::detail {

// the recipes
template <class X, std::size_t K>
struct in_values {};
template <class X, std::size_t K>
struct in_inputs {};
template <class Op, std::size_t OpK, class T, class Shape, std::size_t Out, class... C>
struct op_recipe {};
template <class X, std::size_t K>
struct adj_stored {};
template <std::size_t K, class T, class Shape, class AdjP, class OpP, class ValueP>
struct adj_fused {};

// the tensor type of a recipe's value
template <class R>
struct recipe_tensor;
template <class X, std::size_t K>
struct recipe_tensor<in_values<X, K>> {
  using type = X;
};
template <class X, std::size_t K>
struct recipe_tensor<in_inputs<X, K>> {
  using type = X;
};
template <class Op, std::size_t OpK, class T, class Shape, std::size_t Out, class... C>
struct recipe_tensor<op_recipe<Op, OpK, T, Shape, Out, C...>> {
  using type = tensor_for<T, Shape>;
};

// an operation: made on the spot when empty, else read through the inputs
template <class Op, std::size_t K, class In>
constexpr decltype(auto) op_in(const In& in) {
  if constexpr (std::is_empty_v<Op>)
    return Op{};
  else
    return (*detail::pool_of<Op>(in)[K]);
}

// A step's value: a reference to where it is stored, or (fused) a lazy view by value.
template <class R>
struct value_of;
template <class X, std::size_t K>
struct value_of<in_values<X, K>> {
  template <class V, class In>
  static constexpr const auto& get(const V& values, const In&) {
    return detail::pool_of<X>(values)[K];  // the tensor, or (dynamic) its tensor_span
  }
};
template <class X, std::size_t K>
struct value_of<in_inputs<X, K>> {
  template <class V, class In>
  static constexpr const auto& get(const V&, const In& in) {
    if constexpr (slot_traits<X>::dynamic)
      return detail::pool_of<X>(in)[K];  // a view
    else
      return *detail::pool_of<X>(in)[K];
  }
};
template <class Op, std::size_t OpK, class T, class Shape, std::size_t Out, class... C>
struct value_of<op_recipe<Op, OpK, T, Shape, Out, C...>> {
  template <class V, class In>
  static constexpr auto get(const V& values, const In& in) {
    return detail::op_in<Op, OpK>(in).template lazy<T, Shape>(detail::as_view(value_of<C>::get(values, in))...);
  }
};

// A step's adjoint: a view of its slot, or (fused) a view of its one consumer's VJP.
template <class A>
struct adjoint_of;
template <class X, std::size_t K>
struct adjoint_of<adj_stored<X, K>> {
  template <class Adj, class V, class In>
  static constexpr auto get(const Adj& adj, const V&, const In&) {
    return detail::as_view(detail::pool_of<X>(adj)[K]);
  }
};
template <std::size_t K, class T, class Shape, class AdjP, class Op, std::size_t OpK, class TP, class ShapeP,
          std::size_t Out, class... C, class ValueP>
struct adjoint_of<adj_fused<K, T, Shape, AdjP, op_recipe<Op, OpK, TP, ShapeP, Out, C...>, ValueP>> {
  template <class Adj, class V, class In>
  static constexpr auto get(const Adj& adj, const V& values, const In& in) {
    const auto op = detail::op_in<Op, OpK>(in);
    auto dy = adjoint_of<AdjP>::get(adj, values, in);
    auto y = detail::as_view(value_of<ValueP>::get(values, in));
    return lazy_adjoint<Op, K, T, Shape, decltype(dy), decltype(y),
                        std::remove_cvref_t<decltype(detail::as_view(value_of<C>::get(values, in)))>...>{
        op, dy, y, boost::hana::make_basic_tuple(detail::as_view(value_of<C>::get(values, in))...)};
  }
};

// An operation's vector-Jacobian product for operand K: its vjp, or, where that is not
// callable, its vjp_at run over every element of the operand, or summed over the repeats of
// a broadcast operand (operation.hpp).
template <std::size_t K, class Op, class DX, class DY, class Y, class... X>
constexpr void run_vjp(const Op& op, const DX& dx, const DY& dy, const Y& y, const X&... x) {
  if constexpr (requires { op.template vjp<K>(dx, dy, y, x...); }) {
    op.template vjp<K>(dx, dy, y, x...);
  } else if constexpr (declares_broadcasts<Op> && !DX::shape_type::dynamic && DX::extent != Y::extent) {
    detail::sum_over_repeats(dx, y, [&](std::size_t o, std::size_t j) { return op.template vjp_at<K>(o, j, dy, y, x...); });
  } else {
    const auto each = [&](const auto& adjoint) {
      for_each_index<typename DX::shape_type>(
          dx.size(), [&](std::size_t o, std::size_t j) { dx.put(o + j, op.template vjp_at<K>(o, j, adjoint, y, x...)); });
    };
    if constexpr (!DY::shape_type::dynamic && DY::extent == 1) {
      // a scalar adjoint is read once, into a register: as far as the compiler knows dx
      // might alias it, and it would read dy again for every element
      const typename DY::value_type g = dy[0];
      each(dense_view<typename DY::value_type, typename DY::shape_type>{&g});
    } else {
      each(dy);
    }
  }
}

// Running a step. Its backward edges are the operands K a gradient flows into (those with
// a stored adjoint), whether each is the first to reach that adjoint (assign) or not (add),
// and the adjoint's slot.
template <class K, class Assigns, class Slots>
struct edge_plan {};

template <class R>
struct run_step;
template <class Op, std::size_t OpK, class T, class Shape, std::size_t Out, class... C>
struct run_step<op_recipe<Op, OpK, T, Shape, Out, C...>> {
  template <class V, class In>
  static constexpr void forward(V& values, const In& in) {
    detail::op_in<Op, OpK>(in).forward(detail::pool_of<tensor_for<T, Shape>>(values)[Out],
                                       detail::as_view(value_of<C>::get(values, in))...);
  }

  template <class A, class VR, std::size_t... K, bool... Assign, std::size_t... Slot, class Adj, class V, class In>
  static constexpr void backward(edge_plan<std::index_sequence<K...>, std::integer_sequence<bool, Assign...>,
                                           std::index_sequence<Slot...>>,
                                 Adj& adj, const V& values, const In& in) {
    (detail::run_vjp<K>(
         detail::op_in<Op, OpK>(in),
         detail::as_sink<!Assign>(
             detail::pool_of<typename recipe_tensor<std::tuple_element_t<K, std::tuple<C...>>>::type>(adj)[Slot]),
         detail::as_view(adjoint_of<A>::get(adj, values, in)), detail::as_view(value_of<VR>::get(values, in)),
         detail::as_view(value_of<C>::get(values, in))...),
     ...);
  }
};

// The recipes of an expression's steps, from its schedule and storage (class templates only).
template <class S, std::size_t I>
struct value_recipe;
template <class S, std::size_t I, class K = std::make_index_sequence<S::template children_of<I>::size>>
struct op_recipe_of;
template <class S, std::size_t I, std::size_t... K>
struct op_recipe_of<S, I, std::index_sequence<K...>> {
  using N = typename S::template node<I>;
  using type = op_recipe<typename op_of_node<N>::type, storage<S>::op_index[I], typename N::value_type,
                         typename N::shape_type, storage<S>::index[I],
                         typename value_recipe<S, S::template children_of<I>::value[K]>::type...>;
};
template <class S, std::size_t I, holder H = storage<S>::held_in[I]>
struct value_recipe_impl : op_recipe_of<S, I> {};  // fused
template <class S, std::size_t I>
struct value_recipe_impl<S, I, holder::values> {
  using type = in_values<step_tensor<S, I>, storage<S>::index[I]>;
};
template <class S, std::size_t I>
struct value_recipe_impl<S, I, holder::inputs> {
  using type = in_inputs<step_tensor<S, I>, storage<S>::index[I]>;
};
template <class S, std::size_t I>
struct value_recipe : value_recipe_impl<S, I> {};

template <class S, std::size_t I, bool Fused = S::fused[I]>
struct adjoint_recipe {
  using type = adj_stored<step_tensor<S, I>, storage<S>::adjoint_index[I]>;
};
template <class S, std::size_t I>
struct adjoint_recipe<S, I, true> {
  using N = typename S::template node<I>;
  using P = std::integral_constant<std::size_t, S::uses.consumer[I]>;
  using type = adj_fused<S::uses.operand[I], typename N::value_type, typename N::shape_type,
                         typename adjoint_recipe<S, P::value>::type, typename op_recipe_of<S, P::value>::type,
                         typename value_recipe<S, P::value>::type>;
};

// the set bits of Mask (one per operand) as an index sequence
template <std::size_t Mask, std::size_t K = 0, std::size_t... Set>
struct set_bits : std::conditional_t<((Mask >> K) & 1) != 0, set_bits<Mask, K + 1, Set..., K>, set_bits<Mask, K + 1, Set...>> {};
template <std::size_t Mask, std::size_t... Set>
struct set_bits<Mask, max_operands, Set...> {
  using type = std::index_sequence<Set...>;
};

template <class S, std::size_t I, class K = std::make_index_sequence<S::template children_of<I>::size>>
struct edges_of;
template <class S, std::size_t I, std::size_t... K>
struct edges_of<S, I, std::index_sequence<K...>> {
  template <std::size_t C>
  using child = std::integral_constant<std::size_t, S::template children_of<I>::value[C]>;
  template <class Run>
  struct plan;
  template <std::size_t... R>
  struct plan<std::index_sequence<R...>> {
    using type = edge_plan<std::index_sequence<R...>, std::integer_sequence<bool, S::edge_assigns[S::edge_offset[I] + R]...>,
                           std::index_sequence<storage<S>::adjoint_index[child<R>::value]...>>;
  };
  using runs = typename set_bits<((std::size_t{storage<S>::adjoint_stored[child<K>::value]} << K) | ... | 0)>::type;
  using type = typename plan<runs>::type;
};

template <class X>
constexpr void zero_fill(X& t) {
  for (auto& v : t) v = {};
}

}  // namespace ctgrad::detail

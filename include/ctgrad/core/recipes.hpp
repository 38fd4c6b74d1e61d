// How evaluation reaches each step: a table of pointers filled once per call, and per step
// a *recipe*, a small type saying how to read its value or adjoint from that table.
//
//   stored_ref<J>                         the value is at the table's entry J (a binding,
//                                         a constant or a value slot)
//   op_recipe<J, Op, T, Shape, C...>      an operation with operand recipes C...; when fused,
//                                         its value is a lazy view made where it is read
//   adj_stored<J>, adj_fused<...>         the same for adjoints
//
// Why: the functions that run a step are named by its recipe and the table's type only.
// Recipes name operations, element types, shapes and step numbers, never the expression;
// the table's type repeats a few entry types. Members of workspace<Expr> per step carried
// the whole expression in their mangled names, and GCC mangles every function it
// instantiates, searching the name's substitutions linearly: that grew with the cube of
// the expression's size. (A table of views instead of recipes compiled as fast, but GCC
// kept such a table in memory: W1b took 2.8x the hand-written gradient.)
#pragma once

#include <boost/hana/basic_tuple.hpp>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ctgrad/core/binding.hpp"
#include "ctgrad/core/schedule.hpp"
#include "ctgrad/core/view.hpp"

namespace ctgrad::detail {

// Indexed storage: one base slot<I, T> per entry, found by a base-class conversion.
template <std::size_t I, class T>
struct slot {
  [[no_unique_address]] T held;
};
template <class Seq, class... T>
struct slot_set;
template <std::size_t... I, class... T>
struct slot_set<std::index_sequence<I...>, T...> : slot<I, T>... {};

template <std::size_t I, class T>
constexpr T& slot_at(slot<I, T>& s) {
  return s.held;
}
template <std::size_t I, class T>
constexpr const T& slot_at(const slot<I, T>& s) {
  return s.held;
}

struct no_slot {};

// One step's entry in the table: where its value is (null for a fused step), and its
// operation when that carries data (a run-time exponent, say).
template <class Value, class Op>
struct step_ref {
  const Value* value;
  const Op* op;
};

// the recipes
template <std::size_t J>
struct stored_ref {};
template <std::size_t J, class Op, class T, class Shape, class... C>
struct op_recipe {};
template <std::size_t J>
struct adj_stored {};
template <std::size_t K, class T, class Shape, class AdjP, class OpP, class ValueP>
struct adj_fused {};

template <class R>
struct step_of;
template <std::size_t J>
struct step_of<stored_ref<J>> : std::integral_constant<std::size_t, J> {};
template <std::size_t J, class Op, class T, class Shape, class... C>
struct step_of<op_recipe<J, Op, T, Shape, C...>> : std::integral_constant<std::size_t, J> {};

// an operation: made on the spot when empty, else read through the table
template <std::size_t J, class Op, class Refs>
constexpr decltype(auto) op_in(const Refs& refs) {
  if constexpr (std::is_empty_v<Op>)
    return Op{};
  else
    return (*detail::slot_at<J>(refs).op);
}

// A step's value: a reference to where it is stored, or (fused) a lazy view by value.
template <class R>
struct value_of;
template <std::size_t J>
struct value_of<stored_ref<J>> {
  template <class Refs>
  static constexpr const auto& get(const Refs& refs) {
    return *detail::slot_at<J>(refs).value;
  }
};
template <std::size_t J, class Op, class T, class Shape, class... C>
struct value_of<op_recipe<J, Op, T, Shape, C...>> {
  template <class Refs>
  static constexpr auto get(const Refs& refs) {
    return detail::op_in<J, Op>(refs).template lazy<T, Shape>(detail::as_view(value_of<C>::get(refs))...);
  }
};

// A step's adjoint: a view of its slot, or (fused) a view of its one consumer's VJP.
template <class A>
struct adjoint_of;
template <std::size_t J>
struct adjoint_of<adj_stored<J>> {
  template <class Adj, class Refs>
  static constexpr auto get(const Adj& adj, const Refs&) {
    return detail::as_view(detail::slot_at<J>(adj));
  }
};
template <std::size_t K, class T, class Shape, class AdjP, std::size_t P, class Op, class TP, class ShapeP, class... C,
          class ValueP>
struct adjoint_of<adj_fused<K, T, Shape, AdjP, op_recipe<P, Op, TP, ShapeP, C...>, ValueP>> {
  template <class Adj, class Refs>
  static constexpr auto get(const Adj& adj, const Refs& refs) {
    const auto op = detail::op_in<P, Op>(refs);
    auto dy = adjoint_of<AdjP>::get(adj, refs);
    auto y = detail::as_view(value_of<ValueP>::get(refs));
    return lazy_adjoint<Op, K, T, Shape, decltype(dy), decltype(y),
                        std::remove_cvref_t<decltype(detail::as_view(value_of<C>::get(refs)))>...>{
        op, dy, y, boost::hana::make_basic_tuple(detail::as_view(value_of<C>::get(refs))...)};
  }
};

// Running a step. Edges: for each operand, whether a gradient flows into its stored adjoint
// and whether it is the first to reach it (assign) or not (add).
template <class Runs, class Assigns>
struct edge_plan {};

template <class R>
struct run_step;
template <std::size_t J, class Op, class T, class Shape, class... C>
struct run_step<op_recipe<J, Op, T, Shape, C...>> {
  template <class Values, class Refs>
  static constexpr void forward(Values& values, const Refs& refs) {
    detail::op_in<J, Op>(refs).forward(detail::slot_at<J>(values), value_of<C>::get(refs)...);
  }

  template <class A, class V, bool... Run, bool... Assign, class Adj, class Refs>
  static constexpr void backward(edge_plan<std::integer_sequence<bool, Run...>, std::integer_sequence<bool, Assign...>>,
                                 Adj& adj, const Refs& refs) {
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      (edge<K, Run, Assign, A, V>(adj, refs), ...);
    }(std::index_sequence_for<C...>{});
  }

 private:
  template <std::size_t K, bool Run, bool Assign, class A, class V, class Adj, class Refs>
  static constexpr void edge(Adj& adj, const Refs& refs) {
    if constexpr (Run) {
      using operand = std::tuple_element_t<K, std::tuple<C...>>;
      detail::op_in<J, Op>(refs).template backward<K, Assign>(
          detail::slot_at<step_of<operand>::value>(adj), adjoint_of<A>::get(adj, refs), value_of<V>::get(refs),
          value_of<C>::get(refs)...);
    }
  }
};

// The recipes of an expression's steps, from its schedule (class templates only).
template <class S, std::size_t I>
struct value_recipe;
template <class S, std::size_t I, class K = std::make_index_sequence<S::template children_of<I>::size>>
struct op_recipe_of;
template <class S, std::size_t I, std::size_t... K>
struct op_recipe_of<S, I, std::index_sequence<K...>> {
  using N = typename S::template node<I>;
  using type = op_recipe<I, typename op_of_node<N>::type, typename N::value_type, typename N::shape_type,
                         typename value_recipe<S, S::template children_of<I>::value[K]>::type...>;
};
template <class S, std::size_t I, bool Fused = S::inlined[I]>
struct value_recipe_impl {
  using type = stored_ref<I>;
};
template <class S, std::size_t I>
struct value_recipe_impl<S, I, true> : op_recipe_of<S, I> {};
template <class S, std::size_t I>
struct value_recipe : value_recipe_impl<S, I> {};

template <class S, std::size_t I, bool Fused = S::inlined[I]>
struct adjoint_recipe {
  using type = adj_stored<I>;
};
template <class S, std::size_t I>
struct adjoint_recipe<S, I, true> {
  static constexpr std::size_t p = S::uses.consumer[I];
  using N = typename S::template node<I>;
  using type = adj_fused<S::uses.operand[I], typename N::value_type, typename N::shape_type,
                         typename adjoint_recipe<S, p>::type, typename op_recipe_of<S, p>::type,
                         typename value_recipe<S, p>::type>;
};

template <class S, std::size_t I, class K = std::make_index_sequence<S::template children_of<I>::size>>
struct edges_of;
template <class S, std::size_t I, std::size_t... K>
struct edges_of<S, I, std::index_sequence<K...>> {
  template <std::size_t C>
  using child = std::integral_constant<std::size_t, S::template children_of<I>::value[C]>;
  using type = edge_plan<
      std::integer_sequence<bool, (S::active[child<K>::value] && !S::inlined[child<K>::value])...>,
      std::integer_sequence<bool, S::edge_assigns[S::edge_offset[I] + K]...>>;
};

// The table's entry for step I, and where its pointers come from.
enum class source { leaf, constant, stored, fused };
template <class S, std::size_t I>
inline constexpr source source_of = S::kind[I] <= 1   ? source::leaf
                                    : S::kind[I] == 2 ? source::constant
                                    : S::inlined[I]   ? source::fused
                                                      : source::stored;

// the operation of a step that carries data, else no_slot (made from its type alone)
template <class Op>
struct data_op {
  using type = std::conditional_t<std::is_empty_v<Op>, no_slot, Op>;
};
template <>
struct data_op<void> {
  using type = no_slot;
};
template <class S, std::size_t I>
using data_op_t = typename data_op<typename op_of_node<typename S::template node<I>>::type>::type;

template <class S, std::size_t I>
struct ref_entry {
  using N = typename S::template node<I>;
  using value = std::conditional_t<source_of<S, I> == source::fused, no_slot,
                                   tensor_for<typename N::value_type, typename N::shape_type>>;
  using type = step_ref<value, data_op_t<S, I>>;
};
template <class S, class Seq = std::make_index_sequence<S::size>>
struct refs_table;
template <class S, std::size_t... I>
struct refs_table<S, std::index_sequence<I...>> {
  using type = slot_set<std::index_sequence<I...>, typename ref_entry<S, I>::type...>;
};

// The path of a step whose object is read from the expression (a constant, or an
// operation carrying data), else no_path.
struct no_path {};
template <class S, std::size_t I, bool Wanted>
struct path_if {
  using type = no_path;
};
template <class S, std::size_t I>
struct path_if<S, I, true> {
  using type = typename S::template step<I>::path_type;
};
template <class S, std::size_t I>
using op_path = typename path_if<S, I, !std::is_same_v<data_op_t<S, I>, no_slot>>::type;
template <class S, std::size_t I>
using constant_path = typename path_if<S, I, source_of<S, I> == source::constant>::type;

template <class Path>
struct fetch {
  template <class E>
  static constexpr const auto* op(const E* e) {
    return &at_path<Path>::get(*e).op;
  }
  template <class E>
  static constexpr const auto* constant(const E* e) {
    return &at_path<Path>::get(*e).value;
  }
};
template <>
struct fetch<no_path> {
  static constexpr const no_slot* op(const void*) { return nullptr; }
  static constexpr const no_slot* constant(const void*) { return nullptr; }
};

// A leaf's bound value by a base-class conversion of the bindings, or a null no_slot
// pointer for a step that is not a leaf (L = void, see leaf_or_void).
template <class L, class Stored>
constexpr const auto* bound_ptr(const binding<L, Stored>* b) {
  return &b->get();
}
template <class L>
constexpr const no_slot* bound_ptr(const void*) {
  return nullptr;
}

template <source Src, class Value, class Op, class Leaf, class Constant, class Slot, class DataOp>
constexpr void set_ref(step_ref<Value, Op>& out, const Leaf* leaf, const Constant* constant, const Slot& stored,
                       const DataOp* op) {
  if constexpr (Src == source::leaf)
    out.value = leaf;
  else if constexpr (Src == source::constant)
    out.value = constant;
  else if constexpr (Src == source::stored)
    out.value = &stored;
  else
    out.value = nullptr;
  out.op = op;
}

template <bool Run, class R, class Values, class Refs>
constexpr void forward_if(Values& values, const Refs& refs) {
  if constexpr (Run) run_step<R>::forward(values, refs);
}
template <bool Run, class R, class A, class V, class Edges, class Adj, class Refs>
constexpr void backward_if(Adj& adj, const Refs& refs) {
  if constexpr (Run) run_step<R>::template backward<A, V>(Edges{}, adj, refs);
}
template <bool Zero, class Slot>
constexpr void zero_if(Slot& s) {
  if constexpr (Zero)
    for (auto& v : s) v = {};
}

}  // namespace ctgrad::detail

// The nodes of an expression tree.
//
//   leaf<"a", double, ...>      a named variable (`var<"a">`), bound at evaluation time
//   constant<double>            a plain number mixed into an expression (`2 * x`)
//   node<Op, Children...>       an operation applied to child expressions; Op follows the
//                               operation contract (operation.hpp), nodes are made by
//                               make_op (make_op.hpp)
//
// An expression's type is its tree. Leaves are empty types, so identical subtrees built
// from leaves alone are the same type and are computed once. Constants carry run-time data,
// so a subtree containing one is never merged with another (engine/schedule.hpp).
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tensor.hpp"

namespace ctgrad {

template <class Leaf, class Stored>
struct binding;

namespace detail {
template <class Leaf, class V>
constexpr auto make_binding(V&& v);
}

// An operation takes one to max_operands operands.
inline constexpr std::size_t max_operands = 3;

// A named leaf. `Trainable` leaves get a gradient by default; inputs (`input<...>`) only
// when asked for with wrt().
template <fixed_string Name, class T, bool Trainable, std::size_t... D>
struct leaf {
  static_assert(std::is_arithmetic_v<T> || std::is_class_v<T>,
                "ctgrad: a leaf's element type must be a number type");
  using value_type = T;
  using shape_type = shape<D...>;
  static constexpr auto name = Name;
  static constexpr bool trainable = Trainable;
  static constexpr bool has_data = false;

  // `a = 2.0` inside at(...) binds a value to the leaf
  template <class V>
  constexpr auto operator=(V&& v) const {  // NOLINT: binding syntax, not assignment
    return detail::make_binding<leaf>(static_cast<V&&>(v));
  }
};

// A plain number or a fixed tensor inside an expression.
template <class T, std::size_t... D>
struct constant {
  using value_type = T;
  using shape_type = shape<D...>;
  static constexpr bool has_data = true;
  tensor<T, D...> value;
};

template <class Op, class... C>
struct node;

namespace detail {

// Pure: no run-time data anywhere in the subtree, so equal types mean equal values.
// (Facts about expression types are concepts or class templates, never functions or
// variable templates: docs/design.md, "Compile time".)
template <class T>
struct is_pure_t : std::bool_constant<!T::has_data> {};
template <class Op, class... C>
struct is_pure_t<node<Op, C...>> : std::bool_constant<std::is_empty_v<Op> && (is_pure_t<C>::value && ...)> {};
template <class T>
concept is_pure = is_pure_t<T>::value;

// A node holds only the children that carry run-time data. A pure child is its type alone
// (made on the spot when needed), so a pure expression is a type with no fields at all.
template <std::size_t I, class C, bool Held = !is_pure<C>>
struct child_slot {
  child_slot() = default;
  constexpr explicit child_slot(const C&) {}
};
template <std::size_t I, class C>
struct child_slot<I, C, true> {
  child_slot() = default;
  constexpr explicit child_slot(const C& c) : held(c) {}
  C held;
};

template <class Seq, class... C>
struct child_store;
template <std::size_t... I, class... C>
struct child_store<std::index_sequence<I...>, C...> : child_slot<I, C>... {
  child_store() = default;
  constexpr explicit child_store(const C&... c) : child_slot<I, C>(c)... {}
};

// the type of child I (unevaluated: a base-class deduction)
template <std::size_t I, class C, bool H>
C child_type_of(const child_slot<I, C, H>&);

}  // namespace detail

namespace detail {
// the element type of Op's value on operands of element types T...: Op::result_type<T...>
// if it says, else their common type
template <class Op, class... T>
struct result_type_of {
  using type = std::common_type_t<T...>;
};
template <class Op, class... T>
  requires requires { typename Op::template result_type<T...>; }
struct result_type_of<Op, T...> {
  using type = typename Op::template result_type<T...>;
};
}  // namespace detail

// An operation applied to child expressions. Its value has the children's common element
// type (or the one Op::result_type gives) and the shape Op::result_shape gives.
template <class Op, class... C>
struct node {
  static_assert(sizeof...(C) <= max_operands, "ctgrad: an operation takes at most max_operands (three) operands");
  using value_type = typename detail::result_type_of<Op, typename C::value_type...>::type;
  using shape_type = typename Op::template result_shape<typename C::shape_type...>;
  using children_type = detail::child_store<std::index_sequence_for<C...>, C...>;
  template <std::size_t I>
  using child_type = decltype(detail::child_type_of<I>(std::declval<const children_type&>()));

  [[no_unique_address]] Op op;
  [[no_unique_address]] children_type children;
};

namespace detail {

// Child I of a node: the stored object, or (a pure child) a fresh one of its type.
template <std::size_t I, class Node>
constexpr decltype(auto) child(const Node& n) {
  using C = typename Node::template child_type<I>;
  if constexpr (is_pure<C>)
    return C{};
  else
    return (static_cast<const child_slot<I, C, true>&>(n.children).held);
}

template <class T>
struct is_leaf_t : std::false_type {};
template <fixed_string N, class T, bool Tr, std::size_t... D>
struct is_leaf_t<leaf<N, T, Tr, D...>> : std::true_type {};
template <class T>
concept is_leaf = is_leaf_t<T>::value;
template <class Node>
using leaf_or_void = std::conditional_t<is_leaf<Node>, Node, void>;

template <class T>
struct is_constant_t : std::false_type {};
template <class T, std::size_t... D>
struct is_constant_t<constant<T, D...>> : std::true_type {};
template <class T>
concept is_constant = is_constant_t<T>::value;

template <class T>
struct is_node_t : std::false_type {};
template <class Op, class... C>
struct is_node_t<node<Op, C...>> : std::true_type {};
template <class T>
concept is_op_node = is_node_t<T>::value;

// the operation of a node (void for leaves and constants)
template <class Node>
struct op_of_node {
  using type = void;
};
template <class Op, class... C>
struct op_of_node<node<Op, C...>> {
  using type = Op;
};

}  // namespace detail

// Anything that is a ctgrad expression (not an invalid one).
template <class T>
concept expression = detail::is_leaf<std::remove_cvref_t<T>> || detail::is_constant<std::remove_cvref_t<T>> ||
                     detail::is_op_node<std::remove_cvref_t<T>>;

// Named leaves. `var<"a">` is a scalar double; `var<"W", float, 10, 784>` a float matrix.
template <fixed_string Name, class T = double, std::size_t... D>
inline constexpr leaf<Name, T, true, D...> var{};

// A named leaf that gets no gradient unless asked for by wrt(): data, labels, targets.
template <fixed_string Name, class T = double, std::size_t... D>
inline constexpr leaf<Name, T, false, D...> input{};

// A fixed tensor value inside an expression (never differentiated).
template <class T, std::size_t... D>
constexpr constant<T, D...> constant_of(const tensor<T, D...>& v) {
  return {v};
}

}  // namespace ctgrad

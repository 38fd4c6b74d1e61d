// The nodes of an expression tree, and the one generic way to build an operation node.
//
//   leaf<"a", double>            a named variable (`var<"a">`), bound at evaluation time
//   constant<double>             a plain number mixed into an expression (`2 * x`)
//   node<Op, Children...>        an operation; Op says how to compute the value and the
//                                vector-Jacobian product (see ops/), Children are nodes
//
// An expression's type is its tree. Leaves are empty types, so identical subtrees built
// from leaves alone are the same type and are computed once. Constants carry run-time data,
// so a subtree containing one is never merged with another (see schedule.hpp).
#pragma once

#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctgrad/core/diagnostics.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tensor.hpp"

namespace ctgrad {

namespace hana = boost::hana;

template <class Leaf, class Stored>
struct binding;

namespace detail {
template <class Leaf, class V>
constexpr auto make_binding(V&& v);
}

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
  static constexpr std::size_t arity = 0;

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
  static constexpr std::size_t arity = 0;
  tensor<T, D...> value;
};

template <class Op, class... C>
struct node;

namespace detail {

// Pure: no run-time data anywhere in the subtree, so equal types mean equal values.
template <class T>
struct is_pure_t : std::bool_constant<!T::has_data> {};
template <class Op, class... C>
struct is_pure_t<node<Op, C...>> : std::bool_constant<std::is_empty_v<Op> && (is_pure_t<C>::value && ...)> {};
template <class T>
concept is_pure = is_pure_t<T>::value;  // a concept: not mangled per node (diagnostics.hpp)

// A node holds only the children that carry run-time data. A pure child is its type alone
// (made on the spot when needed), so a pure expression is a type with no fields at all.
// Storing pure children made every class layout query walk the whole subtree (GCC's
// is_empty_type), a third of the front end's time on a 400-node expression.
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

// An operation applied to child expressions.
template <class Op, class... C>
struct node {
  static_assert(sizeof...(C) <= 3, "ctgrad: an operation takes at most three operands");
  using value_type = std::common_type_t<typename C::value_type...>;
  using shape_type = typename Op::template result_shape<typename C::shape_type...>;
  // (no static data members: GCC mangles each one, and a node's name spells out its subtree)
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

}  // namespace detail

namespace detail {

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

}  // namespace detail

// Anything that is a ctgrad expression (not an invalid one).
template <class T>
concept expression = detail::is_leaf<std::remove_cvref_t<T>> || detail::is_constant<std::remove_cvref_t<T>> ||
                     detail::is_op_node<std::remove_cvref_t<T>>;

template <class T>
concept scalar_expression = expression<T> && std::remove_cvref_t<T>::shape_type::rank == 0;

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

namespace detail {

// a plain number (a concept: std::is_arithmetic_v would be mangled per expression type)
template <class T>
concept number = std::is_arithmetic<T>::value;

template <class T>
concept operand = expression<T> || is_invalid<std::remove_cvref_t<T>> || number<std::remove_cvref_t<T>>;

// The element type a plain number takes when mixed with expressions.
template <class... A>
struct element_type_of {
  using type = void;
};
template <class A, class... Rest>
  requires expression<A>
struct element_type_of<A, Rest...> {
  using type = typename std::remove_cvref_t<A>::value_type;
};
template <class A, class... Rest>
struct element_type_of<A, Rest...> {
  using type = typename element_type_of<Rest...>::type;
};
template <>
struct element_type_of<> {
  using type = void;
};

template <class T, class A>
using as_expression_t = std::conditional_t<number<std::remove_cvref_t<A>>, constant<T>, std::remove_cvref_t<A>>;

template <class T, class A>
constexpr auto as_expression(const A& a) {
  if constexpr (number<A>)
    return constant<T>{tensor<T>(static_cast<T>(a))};
  else
    return a;
}

template <class... A>
struct first_invalid {
  using type = void;
};
template <class A, class... Rest>
struct first_invalid<A, Rest...> {
  using type = std::conditional_t<is_invalid<std::remove_cvref_t<A>>, std::remove_cvref_t<A>, typename first_invalid<Rest...>::type>;
};

template <class... T>
inline constexpr bool same_types = true;
template <class T, class... Rest>
inline constexpr bool same_types<T, Rest...> = (std::is_same_v<T, Rest> && ...);

template <class T>
constexpr auto type_name_string() {
  if constexpr (std::is_same_v<T, float>) return fixed_string("float");
  else if constexpr (std::is_same_v<T, double>) return fixed_string("double");
  else if constexpr (std::is_same_v<T, long double>) return fixed_string("long double");
  else if constexpr (std::is_same_v<T, int>) return fixed_string("int");
  else if constexpr (std::is_same_v<T, unsigned char>) return fixed_string("unsigned char");
  else if constexpr (std::is_same_v<T, long>) return fixed_string("long");
  else return fixed_string("another type");
}

// Operands share one element type, unless the operation says otherwise with its own
// check_types<T...>() (cross_entropy takes float logits and integer labels).
template <class Op, class... T>
constexpr auto check_types() {
  if constexpr (requires { Op::template check_types<T...>(); })
    return Op::template check_types<T...>();
  else if constexpr (!same_types<T...>)
    return fixed_string("element types differ: ") + (... + (type_name_string<T>() + fixed_string(" ")));
  else
    return fixed_string("");
}

// The type an operation Op on operands A... produces: a node, or an invalid<> saying why not.
// An invalid operand passes through unchanged (its error is reported once, where it arose).
// Stage by stage (a bad operand, then element types, then shapes) as class templates: a
// function per node here had the operands' whole subtrees in its mangled name.
// One check: an empty Why passes on to Next (only then instantiated), else the error.
template <error_kind Kind, class Op, auto Why, class Next, bool Ok = Why.length() == 0>
struct stage_check : Next {};
template <error_kind Kind, class Op, auto Why, class Next>
struct stage_check<Kind, Op, Why, Next, false> {
  using type = invalid<Kind, Op::name + fixed_string(": ") + Why>;
};
template <class Op, class... C>
struct shapes_stage : stage_check<error_kind::shape_mismatch, Op, Op::template check<typename C::shape_type...>(),
                                  std::type_identity<node<Op, C...>>> {};
template <class Op, class... C>
struct types_stage : stage_check<error_kind::element_type_mismatch, Op, check_types<Op, typename C::value_type...>(),
                                 shapes_stage<Op, C...>> {};

template <class Bad, class Op, class... C>
struct operand_stage {
  using type = Bad;
};
template <class Op, class... C>
struct operand_stage<void, Op, C...> : types_stage<Op, C...> {};

template <class Op, class... A>
struct result {
  using T = typename element_type_of<A...>::type;
  using type = typename operand_stage<typename first_invalid<A...>::type, Op, as_expression_t<T, A>...>::type;
};

}  // namespace detail

namespace detail {
// No `type` unless every operand is a ctgrad operand, so foreign types fail substitution
// quietly (some compilers form the return type before checking the constraints).
template <class Op, class... A>
struct guarded_result {};
template <class Op, class... A>
  requires((operand<A> && ...) && !(number<A> && ...))
struct guarded_result<Op, A...> : result<Op, A...> {};
}  // namespace detail

template <class Op, class... A>
using result_t = typename detail::guarded_result<Op, std::remove_cvref_t<A>...>::type;

namespace detail {

// Builds the node for Op applied to the operands (numbers become constants). The return
// type is declared, so a mismatch is reported only when the call is really made.
template <class Op, class... A>
constexpr result_t<Op, A...> make_node(const Op& op, const A&... a) {
  using R = result_t<Op, A...>;
  if constexpr (is_invalid<R>) {
    if constexpr (std::is_void_v<typename first_invalid<A...>::type>) report<R>();
    return R{};
  } else if constexpr (is_pure<R>) {
    return R{};  // nothing to hold (and no constructor per node for the compiler to name)
  } else {
    using T = typename R::value_type;
    return R{op, typename R::children_type(as_expression<T>(a)...)};
  }
}

}  // namespace detail
}  // namespace ctgrad

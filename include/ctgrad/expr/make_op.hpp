// Making a node: an operation (operation.hpp) applied to operands.
//
//   make_op<Op>(a, b)       Op{} applied to a and b (expressions or plain numbers)
//   make_op(op, a)          an operation object that carries data
//
// The result type is the node, or an invalid<> that says why there is none: a bad operand
// (passed through), element types or shapes that do not fit, or an operation that lacks a
// member of the contract (diagnostics.hpp). Numbers become constants of the expressions'
// element type.
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/expr/diagnostics.hpp"
#include "ctgrad/expr/expression.hpp"
#include "ctgrad/expr/operation.hpp"

namespace ctgrad {

namespace detail {

// a plain number (a concept rather than std::is_arithmetic_v: docs/design.md, "Compile time")
template <class T>
concept number = std::is_arithmetic<T>::value;

template <class T>
concept operand = expression<T> || is_invalid<std::remove_cvref_t<T>> || number<std::remove_cvref_t<T>>;

// one operand that is an expression (or an invalid one)
template <class A>
concept unary_operand = expression<A> || is_invalid<std::remove_cvref_t<A>>;
// two operands, at least one of them an expression; the other may be a plain number
template <class A, class B>
concept binary_operands = operand<A> && operand<B> && !(number<std::remove_cvref_t<A>> && number<std::remove_cvref_t<B>>);

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
constexpr auto type_problem() {
  if constexpr (requires { Op::template check_types<T...>(); })
    return Op::template check_types<T...>();
  else if constexpr (!same_types<T...>)
    return fixed_string("element types differ: ") + (... + (type_name_string<T>() + fixed_string(" ")));
  else
    return fixed_string("");
}

// The type an operation Op on operands A... produces, stage by stage: a bad operand, element
// types, shapes, the contract, then the node. Each stage is a class template (docs/design.md,
// "Compile time"); an empty Why passes on to Next, which only then is instantiated.
template <error_kind Kind, class Op, auto Why, class Next, bool Ok = Why.length() == 0>
struct stage_check : Next {};
template <error_kind Kind, class Op, auto Why, class Next>
struct stage_check<Kind, Op, Why, Next, false> {
  using type = invalid<Kind, name_of<Op>() + fixed_string(": ") + Why>;
};
// (its own message starts with the name, or says there is none)
template <class Op, auto Why, class Next, bool Ok = Why.length() == 0>
struct contract_check : Next {};
template <class Op, auto Why, class Next>
struct contract_check<Op, Why, Next, false> {
  using type = invalid<error_kind::broken_contract, Why>;
};

template <class Op, class... C>
struct contract_stage
    : contract_check<Op,
                     operation_problem<Op,
                                       typename value_holder<typename result_type_of<Op, typename C::value_type...>::type,
                                                             typename Op::template result_shape<typename C::shape_type...>>::type,
                                       dense_view<typename C::value_type, typename C::shape_type>...>(),
                     std::type_identity<node<Op, C...>>> {};
template <class Op, class... C>
struct result_shape_stage
    : contract_check<Op, name_of<Op>() + fixed_string(": the operation has no result_shape<S...> (its value's shape)"),
                     std::type_identity<void>> {};
template <class Op, class... C>
  requires declares_result_shape<Op, typename C::shape_type...>
struct result_shape_stage<Op, C...> : contract_stage<Op, C...> {};
template <class Op, class... C>
struct shapes_stage : stage_check<error_kind::shape_mismatch, Op, shape_problem<Op, typename C::shape_type...>(),
                                  result_shape_stage<Op, C...>> {};
template <class Op, class... C>
struct types_stage : stage_check<error_kind::element_type_mismatch, Op, type_problem<Op, typename C::value_type...>(),
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

// No `type` unless every operand is a ctgrad operand, so foreign types fail substitution
// quietly (some compilers form the return type before checking the constraints).
template <class Op, class... A>
struct guarded_result {};
template <class Op, class... A>
  requires((operand<A> && ...) && !(number<A> && ...) && sizeof...(A) >= 1 && sizeof...(A) <= max_operands)
struct guarded_result<Op, A...> : result<Op, A...> {};

}  // namespace detail

// The node Op applied to operands of types A... makes, or the invalid<> that says why not.
template <class Op, class... A>
using result_t = typename detail::guarded_result<Op, std::remove_cvref_t<A>...>::type;

namespace detail {

// Builds the node for Op applied to the operands. The return type is declared, so a
// mistake is reported only when the call is really made, once (its invalid operands were
// reported where they arose).
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

// Op applied to the operands: make_op<my_op>(x, y). The library's own operations are built
// the same way (through detail::make_node, one function less per node).
template <class Op, class... A>
constexpr result_t<Op, A...> make_op(const A&... a) {
  return detail::make_node(Op{}, a...);
}
// An operation object that carries data, applied to the operands: make_op(scaled{0.5}, x).
template <class Op, class... A>
  requires(!detail::operand<Op>)
constexpr result_t<Op, A...> make_op(const Op& op, const A&... a) {
  return detail::make_node(op, a...);
}

}  // namespace ctgrad

// The operation contract: what an operation states so that ctgrad can evaluate it and
// differentiate through it. Every operation of the library (ops/) is written against it, and
// so is a user's own; a node checks it where it is made (make_op.hpp), and an operation that
// lacks a member fails to compile with one `ctgrad:` sentence naming the member.
//
// 1. An elementwise function F, applied with ctgrad::elementwise<F>(x) (one operand) or
//    elementwise<F>(a, b) (two operands, broadcast like +):
//
//      struct softplus {
//        static constexpr auto name = ctgrad::fixed_string("softplus");  // in error messages
//        template <class T> constexpr T value(T x) const { ... }         // y = f(x)
//        template <class T> constexpr T deriv(T x, T y) const { ... }    // dy/dx, at x with y = f(x)
//        static constexpr bool fusable = true;                           // optional, default false
//        template <std::floating_point T> constexpr T scalar_value(T x) const { ... }  // optional
//      };
//      binary: value(a, b), and da(a, b, y) = dy/da, db(a, b, y) = dy/db; optionally
//      by_scalar(b), an object with value(a), da(a, y), db(a, y), used when b is one number
//      broadcast: the work on b alone is then done once per loop (fn::div, a reciprocal)
//
//    fusable: the function is cheap enough to compute again where its value is read. A
//    fusable step with one consumer that reads each element once is then never stored
//    (engine/fusion.hpp); the others are stored. Mark + - * / and the like, not exp or log.
//    scalar_value: a form for a scalar node (rank 0), where value() is written for loops
//    to vectorise and a library call is faster alone (fn::exp: std::exp).
//    For constexpr evaluation the members must be constexpr: ctgrad::math (math/scalar.hpp)
//    has exp, log, ... that work at run time and in constant expressions alike.
//    A function object with data (an exponent, say) is passed as elementwise(f, x).
//
// 2. A general operation Op, applied with ctgrad::make_op<Op>(x...) (or make_op(op, x...)
//    when it carries data), one to max_operands operands:
//
//      struct Op {
//        static constexpr auto name = ctgrad::fixed_string("...");
//        template <class... S> using result_shape = ...;        // the value's shape (ctgrad::shape<>)
//        template <class Y, class... X>
//        constexpr void forward(Y& y, const X&... x) const;     // y: the tensor to fill
//        template <std::size_t K, class DX, class DY, class Y, class... X>
//        constexpr void vjp(const DX& dx, const DY& dy, const Y& y, const X&... x) const;
//      };
//
//    forward computes the value; operands are views (expr/view.hpp: x[i], x.at(o, j),
//    x.data()). The value's element type is the operands' common type, unless Op has
//      template <class... T> using result_type = ...;     (one_hot makes floats of labels)
//    vjp is the vector-Jacobian product for operand K: given dy = d(loss)/dy, it writes
//    d(loss)/dx_K with dx.put(i, v). It is called only for operands a gradient flows to.
//    Optional members, and what holds without them:
//      template <class... S> static constexpr auto check()      "" when the operand shapes
//          fit, else the reason (a fixed_string; ctgrad::shape_string helps). Default: any.
//      template <class... T> static constexpr auto check_types()   the same for element
//          types. Default: the operands share one element type.
//      static constexpr bool blocks_gradient = true;      no gradient flows through it (then
//          no vjp is needed). Default false.
//      template <std::size_t K, class DY, class Y, class... X>
//      constexpr auto vjp_at(std::size_t o, std::size_t j, const DY& dy, const Y& y,
//                            const X&... x) const;
//          element o + j of operand K's gradient on its own (o a multiple of the row
//          length, j below it). Where vjp<K> is not callable, ctgrad runs vjp_at over every
//          element instead: an elementwise VJP is written once.
//      static constexpr bool broadcasts = true;           with vjp_at: an operand of fewer
//          elements than the value is repeated over its leading dimensions (like a + b),
//          and its gradient is vjp_at summed over the repeats, which ctgrad does (no vjp
//          needed for it).
//      template <std::size_t OperandExtent, std::size_t Extent>
//      static constexpr bool reads_once;                  with vjp_at: forward reads each
//          element of such an operand once, so a fusable operand may be fused into it (sum
//          does this). Default: no operand is fused.
//
//    (ops/reduce.hpp and ops/linalg.hpp are short examples.)
#pragma once

#include <concepts>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/expr/view.hpp"

namespace ctgrad {

namespace detail {

template <class Op>
concept named = requires { Op::name.c_str(); };

// What an elementwise family (map, zip) applies: it names its function as `function`.
template <class Op>
concept applies_function = requires { typename Op::function; };

// The name an operation is shown by in messages: its own, or its function's.
template <class Op>
constexpr auto name_of() {
  if constexpr (applies_function<Op>)
    return name_of<typename Op::function>();
  else if constexpr (named<Op>)
    return Op::name;
  else
    return fixed_string("an operation");
}

template <class Op>
concept blocks_gradient = requires { requires Op::blocks_gradient; };

template <class Op>
concept declares_fusable = requires { requires Op::fusable; };

template <class Op>
concept declares_broadcasts = requires { requires Op::broadcasts; };

template <class Op, std::size_t OperandExtent, std::size_t Extent>
concept declares_reads_once = requires { requires Op::template reads_once<OperandExtent, Extent>; };

// the shape check of Op for operand shapes S..., "" when it has none
template <class Op, class... S>
constexpr auto shape_problem() {
  if constexpr (requires { Op::template check<S...>(); })
    return Op::template check<S...>();
  else
    return fixed_string("");
}

template <class F, class T>
concept unary_function = requires(const F& f, T x) {
  { f.value(x) } -> std::convertible_to<T>;
  { f.deriv(x, x) } -> std::convertible_to<T>;
};
template <class F, class T>
concept binary_function = requires(const F& f, T x) {
  { f.value(x, x) } -> std::convertible_to<T>;
  { f.da(x, x, x) } -> std::convertible_to<T>;
  { f.db(x, x, x) } -> std::convertible_to<T>;
};

// "" if the elementwise function F of Arity operands meets the contract for element type T,
// else the first member it lacks
template <class F, std::size_t Arity, class T>
constexpr auto function_problem() {
  constexpr auto name = name_of<F>() + fixed_string(": ");
  if constexpr (!named<F>)
    return fixed_string("an elementwise function has no `static constexpr auto name = ctgrad::fixed_string(\"...\")`");
  else if constexpr (Arity == 1 && !requires(const F& f, T x) { { f.value(x) } -> std::convertible_to<T>; })
    return name + fixed_string("the elementwise function has no value(x)");
  else if constexpr (Arity == 1 && !unary_function<F, T>)
    return name + fixed_string("the elementwise function has no deriv(x, y) (dy/dx at x, with y = value(x))");
  else if constexpr (Arity == 2 && !requires(const F& f, T x) { { f.value(x, x) } -> std::convertible_to<T>; })
    return name + fixed_string("the elementwise function has no value(a, b)");
  else if constexpr (Arity == 2 && !binary_function<F, T>)
    return name + fixed_string("the elementwise function has no da(a, b, y) and db(a, b, y) (dy/da, dy/db)");
  else
    return fixed_string("");
}

// the view of a tensor type (or of a tensor_span), found without instantiating the tensor
template <class X>
struct view_type;
template <class T, std::size_t... D>
struct view_type<tensor<T, D...>> {
  using type = dense_view<T, shape<D...>>;
};
template <class T, class S>
struct view_type<tensor_span<T, S>> {
  using type = dense_view<T, S>;
};
template <class T, class S>
struct view_type<dense_view<T, S>> {
  using type = dense_view<T, S>;
};
template <class X>
using view_of = typename view_type<X>::type;

// what holds a value of element type T and shape S while an operation fills it
template <class T, class S>
struct value_holder {
  using type = tensor_for<T, S>;
};
template <class T, class S>
  requires S::dynamic
struct value_holder<T, S> {
  using type = tensor_span<T, S>;
};
template <std::size_t K, class... X>
using operand_t = std::tuple_element_t<K, std::tuple<X...>>;

// Y and X...: the tensor types of the value and of the operands
template <class Op, std::size_t K, class Y, class... X>
concept has_vjp = requires(const Op& op, const view_of<Y>& y, const view_of<X>&... x) {
  op.template vjp<K>(adjoint_sink<typename operand_t<K, view_of<X>...>::value_type,
                                  typename operand_t<K, view_of<X>...>::shape_type, false>{},
                     y, y, x...);
};
template <class Op, std::size_t K, class Y, class... X>
concept has_vjp_at = requires(const Op& op, std::size_t i, const view_of<Y>& y, const view_of<X>&... x) {
  op.template vjp_at<K>(i, i, y, y, x...);
};

template <class Op, class Y, class... X>
constexpr bool has_some_vjp() {
  return []<std::size_t... K>(std::index_sequence<K...>) {
    return ((has_vjp<Op, K, Y, X...> || has_vjp_at<Op, K, Y, X...>) || ...);
  }(std::index_sequence_for<X...>{});
}

// "" if Op, applied to operands of tensor types X... with a value of tensor type Y, meets
// the contract, else what it lacks
template <class Op, class Y, class... X>
constexpr auto function_problem_of() {
  if constexpr (applies_function<Op>)
    return function_problem<typename Op::function, sizeof...(X), typename view_of<Y>::value_type>();
  else
    return fixed_string("");
}

// "" if Op, applied to operands of tensor types X... with a value of tensor type Y, meets
// the contract, else what it lacks
template <class Op, class Y, class... X>
constexpr auto operation_problem() {
  constexpr auto name = name_of<Op>() + fixed_string(": ");
  if constexpr (!named<Op> && !applies_function<Op>)
    return fixed_string("an operation has no `static constexpr auto name = ctgrad::fixed_string(\"...\")`");
  else if constexpr (function_problem_of<Op, Y, X...>().length() != 0)
    return function_problem_of<Op, Y, X...>();
  else if constexpr (!requires(const Op& op, Y& y, const view_of<X>&... x) { op.forward(y, x...); })
    return name + fixed_string("the operation has no forward(y, x...) taking its value and operand views");
  else if constexpr (!blocks_gradient<Op> && !has_some_vjp<Op, Y, X...>())
    return name + fixed_string("the operation has no vjp<K>(dx, dy, y, x...) nor vjp_at<K>(o, j, dy, y, x...)");
  else
    return fixed_string("");
}

template <class Op, class... S>
concept declares_result_shape = requires { typename Op::template result_shape<S...>; };

}  // namespace detail

// The contract as concepts, for a static_assert of one's own (make_op checks it anyway, and
// names what is missing):
//   static_assert(ctgrad::elementwise_unary<softplus, float>);
//   static_assert(ctgrad::operation_for<cumsum, tensor<double, 3>, tensor<double, 3>>);
template <class F, class T = double>
concept elementwise_unary = detail::named<F> && detail::unary_function<F, T>;
template <class F, class T = double>
concept elementwise_binary = detail::named<F> && detail::binary_function<F, T>;
// Op applied to operands of tensor types X... (its value of tensor type Y)
template <class Op, class Y, class... X>
concept operation_for = detail::declares_result_shape<Op, typename X::shape_type...> &&
                        detail::operation_problem<Op, Y, X...>().length() == 0;

}  // namespace ctgrad

// How a misuse becomes one readable compiler error.
//
// An operation whose operands do not fit (shapes, element types) does not fail while its
// type is being worked out: its result type is `invalid<kind, "matmul: inner dimensions
// differ: [10,784] x [128]">`. That keeps mistakes detectable without a failing build:
//
//   static_assert(!requires { { W * x } -> ctgrad::expression; });
//
// When such a call is really made, its body runs `report<R>()`, whose static_assert prints
// "ctgrad: <what is wrong>" as the first error line; the compiler names the full message
// (operation and shapes) in the same line (Clang) or the note right below it (GCC).
// Every later operation, value() and grad() pass an invalid operand through silently, so
// the user sees that one error and not a cascade.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctgrad/core/fixed_string.hpp"

namespace ctgrad {

enum class error_kind {
  shape_mismatch,
  element_type_mismatch,
  not_scalar,
  unbound_leaf,
  name_clash,
  not_differentiable,
  model_mismatch,
  broken_contract,  // an operation that lacks a member the operation contract requires
};

template <error_kind Kind, fixed_string Message>
struct invalid {
  static constexpr error_kind kind = Kind;
  static constexpr auto message = Message;
};

namespace detail {

template <class T>
struct is_invalid_t : std::false_type {};
template <error_kind K, fixed_string M>
struct is_invalid_t<invalid<K, M>> : std::true_type {};
template <class T>
concept is_invalid = is_invalid_t<T>::value;

// Always false; its template arguments are what the compiler prints next to the error.
// The message comes in pieces because Clang shortens long string arguments.
template <fixed_string... MessageParts>
inline constexpr bool failed = false;

inline constexpr std::size_t message_piece = 20;

template <fixed_string M, std::size_t I>
constexpr auto piece() {
  constexpr std::size_t begin = I * message_piece;
  constexpr std::size_t n = M.length() - begin < message_piece ? M.length() - begin : message_piece;
  fixed_string<n + 1> out;
  for (std::size_t i = 0; i < n; ++i) out.chars[i] = M.chars[begin + i];
  return out;
}

template <error_kind Kind, fixed_string... M>
constexpr void report_error() {
  if constexpr (Kind == error_kind::shape_mismatch)
    static_assert(failed<M...>, "ctgrad: the operand shapes do not fit this operation (operation and shapes follow)");
  else if constexpr (Kind == error_kind::element_type_mismatch)
    static_assert(failed<M...>, "ctgrad: an operand's element type does not fit this operation (operation and types follow)");
  else if constexpr (Kind == error_kind::not_scalar)
    static_assert(failed<M...>, "ctgrad: grad needs a scalar expression: reduce it with sum()/mean(), or call vjp() with a seed");
  else if constexpr (Kind == error_kind::unbound_leaf)
    static_assert(failed<M...>, "ctgrad: a leaf of the expression has no value in the bindings (its name follows)");
  else if constexpr (Kind == error_kind::name_clash)
    static_assert(failed<M...>, "ctgrad: one leaf name is used with two different shapes or element types");
  else if constexpr (Kind == error_kind::model_mismatch)
    static_assert(failed<M...>, "ctgrad: these gradients do not cover the model's parameters (the parameter follows)");
  else if constexpr (Kind == error_kind::broken_contract)
    static_assert(failed<M...>, "ctgrad: this operation lacks a member of the operation contract (expr/operation.hpp; the member follows)");
  else
    static_assert(failed<M...>, "ctgrad: cannot differentiate with respect to this");
}

template <class Invalid, std::size_t... I>
constexpr void report_pieces(std::index_sequence<I...>) {
  report_error<Invalid::kind, piece<Invalid::message, I>()...>();
}

template <class Invalid>
constexpr void report() {
  constexpr std::size_t length = Invalid::message.length();
  report_pieces<Invalid>(std::make_index_sequence<(length + message_piece - 1) / message_piece>{});
}

}  // namespace detail
}  // namespace ctgrad

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

#include <type_traits>

#include "ctgrad/core/fixed_string.hpp"

namespace ctgrad {

enum class error_kind { shape_mismatch, element_type_mismatch, not_scalar, unbound_leaf, name_clash, bad_binding, not_differentiable };

template <error_kind Kind, fixed_string Message>
struct invalid {
  static constexpr error_kind kind = Kind;
  static constexpr auto message = Message;
};

namespace detail {

template <class T>
inline constexpr bool is_invalid = false;
template <error_kind K, fixed_string M>
inline constexpr bool is_invalid<invalid<K, M>> = true;

// Always false; its template argument is what the compiler prints next to the error.
template <fixed_string Message>
inline constexpr bool failed = false;

template <class Invalid>
constexpr void report() {
  constexpr auto m = Invalid::message;
  if constexpr (Invalid::kind == error_kind::shape_mismatch)
    static_assert(failed<m>, "ctgrad: the operand shapes do not fit this operation (operation and shapes follow)");
  else if constexpr (Invalid::kind == error_kind::element_type_mismatch)
    static_assert(failed<m>, "ctgrad: the operands have different element types (convert one explicitly)");
  else if constexpr (Invalid::kind == error_kind::not_scalar)
    static_assert(failed<m>, "ctgrad: grad needs a scalar expression: reduce it with sum()/mean(), or call vjp() with a seed");
  else if constexpr (Invalid::kind == error_kind::unbound_leaf)
    static_assert(failed<m>, "ctgrad: a leaf of the expression has no value in the bindings (its name follows)");
  else if constexpr (Invalid::kind == error_kind::name_clash)
    static_assert(failed<m>, "ctgrad: one leaf name is used with two different shapes or element types");
  else if constexpr (Invalid::kind == error_kind::bad_binding)
    static_assert(failed<m>, "ctgrad: a binding's value does not have the leaf's element type and shape");
  else
    static_assert(failed<m>, "ctgrad: cannot differentiate with respect to this");
}

}  // namespace detail
}  // namespace ctgrad

// value(), grad() and vjp(): an expression evaluated at bound leaf values.
//
//   double v = value(f, at(a = 2.0, b = 3.0));
//   auto g = grad(loss, at(W = w, b = bias, X = x));       // every trainable leaf
//   auto g = grad(loss, wrt(W), at(...));                  // only W
//   g[W]                                                   // tensor<float, 10, 784>
//   auto g = vjp(e, seed, at(...));                        // seed = d(loss)/d(e)
//
// Each call runs in a workspace of its own (workspace.hpp), held by the result: no heap. A
// loop that evaluates many times keeps one workspace and calls its members instead.
#pragma once

#include <type_traits>

#include "ctgrad/engine/checks.hpp"
#include "ctgrad/engine/gradients.hpp"
#include "ctgrad/engine/storage.hpp"
#include "ctgrad/engine/workspace.hpp"
#include "ctgrad/expr/binding.hpp"
#include "ctgrad/expr/diagnostics.hpp"
#include "ctgrad/expr/expression.hpp"

namespace ctgrad {

namespace detail {

enum class call { value, grad, vjp };

// The result type of a free value()/grad()/vjp() call, or the invalid<> that says why not.
template <class E, class W, class B, call C>
constexpr auto call_result() {
  if constexpr (is_invalid<E>) {
    return std::type_identity<E>{};
  } else {
    using P = problem_t<E, W, B, C == call::grad>;
    if constexpr (!std::is_void_v<P>)
      return std::type_identity<P>{};
    else if constexpr (C == call::value)
      return std::type_identity<std::conditional_t<E::shape_type::rank == 0, typename E::value_type, node_tensor<E>>>{};
    else
      return std::type_identity<gradients<workspace<E, W>, true>>{};
  }
}
template <class E, class W, class B, call C>
using call_result_t = typename decltype(call_result<std::remove_cvref_t<E>, W, std::remove_cvref_t<B>, C>())::type;

template <class E>
concept evaluable = expression<E> || is_invalid<std::remove_cvref_t<E>>;

// grad() seeds its scalar expression with 1; vjp() takes the caller's seed
template <call C, class E, class Seed>
constexpr decltype(auto) seed_of(const Seed& seed) {
  if constexpr (C == call::grad)
    return typename E::value_type(1);
  else
    return (seed);
}

// The one body of value(), grad() and vjp(): an invalid call is reported (unless E itself
// was invalid, reported where it arose); a valid one runs in a workspace of its own, which
// the gradients hold.
struct gradient_access {
  template <call C, class W, class E, class Seed, class B>
  static constexpr call_result_t<E, W, B, C> evaluate(const E& e, const Seed& seed, const B& b) {
    using R = call_result_t<E, W, B, C>;
    if constexpr (is_invalid<R>) {
      if constexpr (!is_invalid<E>) report<R>();
      return R{};
    } else if constexpr (C == call::value) {
      workspace<E, W> ws;
      return R(ws.template evaluate<true>(e, b));  // (a workspace of its own: it may grow)
    } else {
      return owned<C, R>(e, seed, b);
    }
  }

 private:
  // (a function of its own: GCC returns the named result without a copy only from a
  // function whose every return names it)
  template <call C, class R, class E, class Seed, class B>
  static constexpr R owned(const E& e, const Seed& seed, const B& b) {
    R g;
    g.held_.template run<C == call::grad, true>(e, seed_of<C, E>(seed), b);
    return g;
  }
};

struct no_seed {};

}  // namespace detail

// The value of e at the bindings: a number for a scalar expression, else a tensor.
template <detail::evaluable E, binding_set B>
constexpr detail::call_result_t<E, wrt_t<>, B, detail::call::value> value(const E& e, const B& b) {
  return detail::gradient_access::evaluate<detail::call::value, wrt_t<>>(e, detail::no_seed{}, b);
}

// Gradients of a scalar e for every trainable leaf: g[a].
template <detail::evaluable E, binding_set B>
constexpr detail::call_result_t<E, all_trainable, B, detail::call::grad> grad(const E& e, const B& b) {
  return detail::gradient_access::evaluate<detail::call::grad, all_trainable>(e, detail::no_seed{}, b);
}

// Gradients of a scalar e for the chosen leaves: grad(e, wrt(a, b), at(...)).
template <detail::evaluable E, leaf_selection W, binding_set B>
constexpr detail::call_result_t<E, W, B, detail::call::grad> grad(const E& e, const W&, const B& b) {
  return detail::gradient_access::evaluate<detail::call::grad, W>(e, detail::no_seed{}, b);
}

// Vector-Jacobian product of a (possibly non-scalar) e with seed = d(loss)/d(e).
template <detail::evaluable E, class Seed, binding_set B>
constexpr detail::call_result_t<E, all_trainable, B, detail::call::vjp> vjp(const E& e, const Seed& seed, const B& b) {
  return detail::gradient_access::evaluate<detail::call::vjp, all_trainable>(e, seed, b);
}

template <detail::evaluable E, leaf_selection W, class Seed, binding_set B>
constexpr detail::call_result_t<E, W, B, detail::call::vjp> vjp(const E& e, const W&, const Seed& seed, const B& b) {
  return detail::gradient_access::evaluate<detail::call::vjp, W>(e, seed, b);
}

// Calls without values: one sentence instead of "no matching function".
namespace detail {
template <class...>
inline constexpr bool no_values = false;
// (what such a call returns: no further errors from `auto g = ...`)
using missing_values = invalid<error_kind::unbound_leaf, fixed_string("no values: at(...) is missing")>;
template <class B>
concept not_bindings = !binding_set<B> && !leaf_selection<B>;
}  // namespace detail
template <detail::evaluable E>
constexpr detail::missing_values grad(const E&) {
  static_assert(detail::no_values<E>, "ctgrad: grad(e) needs the leaves' values: grad(e, at(x = ...))");
  return {};
}
template <detail::evaluable E, leaf_selection W>
constexpr detail::missing_values grad(const E&, const W&) {
  static_assert(detail::no_values<E>, "ctgrad: grad(e, wrt(...)) needs the leaves' values: grad(e, wrt(...), at(x = ...))");
  return {};
}
template <detail::evaluable E, detail::not_bindings B>
  requires(detail::is_binding_t<B>::value)
constexpr detail::missing_values grad(const E&, const B&) {
  static_assert(detail::no_values<E>, "ctgrad: grad(e, x = v): put the values in at(...): grad(e, at(x = v))");
  return {};
}
template <detail::evaluable E>
constexpr detail::missing_values value(const E&) {
  static_assert(detail::no_values<E>, "ctgrad: value(e) needs the leaves' values: value(e, at(x = ...))");
  return {};
}

}  // namespace ctgrad

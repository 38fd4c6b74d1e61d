// Forward mode: the value of e and its directional derivative along tangents of any leaves.
//
//   auto r = jvp(e, along(a = da, W = dW), at(a = 2.0, W = w));
//   r.value(), r.tangent()          // e's shape: numbers for a scalar e
//
// It is the ordinary forward pass on dual numbers (core/dual.hpp): the same schedule, each
// leaf bound to its value with its tangent beside it; leaves not in along(...) stand still.
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/core/dual.hpp"
#include "ctgrad/derivatives/along.hpp"
#include "ctgrad/derivatives/layout.hpp"
#include "ctgrad/derivatives/retype.hpp"
#include "ctgrad/engine/evaluate.hpp"

namespace ctgrad {

// The value and tangent of a jvp(): numbers for a scalar expression, else tensors.
template <class T, class S>
class jvp_result {
  using part = std::conditional_t<S::rank == 0, T, tensor_for<T, S>>;

 public:
  constexpr jvp_result() = default;
  constexpr jvp_result(const part& v, const part& t) : value_(v), tangent_(t) {}
  constexpr const part& value() const { return value_; }
  constexpr const part& tangent() const { return tangent_; }

 private:
  part value_{}, tangent_{};
};

namespace detail {

// the value of the retyped E at dual bindings, split into value and lane `lane` of the tangent
template <class T, class S, class V>
constexpr jvp_result<T, S> split_lane(const V& v, std::size_t lane) {
  if constexpr (S::rank == 0) {
    return {v.value, v.tangent[lane]};
  } else {
    tensor_for<T, S> value, tangent;
    for (std::size_t i = 0; i < S::size; ++i) {
      value.flat(i) = v.flat(i).value;
      tangent.flat(i) = v.flat(i).tangent[lane];
    }
    return {value, tangent};
  }
}

inline constexpr auto jvp_name = fixed_string("jvp");

}  // namespace detail

// The value of e and its derivative along the tangents: one forward pass on duals.
template <detail::evaluable E, class A, binding_set B>
constexpr auto jvp(const E& e, const tangents<A>& dir, const B& b) {
  using P = detail::along_problem_t<detail::jvp_name, E, wrt_t<>, A, B, false>;
  if constexpr (!std::is_void_v<P>) {
    return detail::reported<P, E>();
  } else {
    using T = typename E::value_type;
    using D = dual<T, 1>;
    using S = detail::schedule<E, all_trainable>;
    const auto bound = detail::along_seeded<S, T, D>(b, dir);
    return detail::split_lane<T, typename E::shape_type>(value(detail::retype<T, D>(e), bound), 0);
  }
}

template <detail::evaluable E, class A>
constexpr detail::missing_values jvp(const E&, const tangents<A>&) {
  static_assert(detail::no_values<E>, "ctgrad: jvp(e, along(...)) needs the leaves' values: jvp(e, along(...), at(x = ...))");
  return {};
}

}  // namespace ctgrad

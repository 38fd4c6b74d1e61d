// What the derivative functions share: the leaves of wrt(...) laid end to end as one vector
// of n numbers, the checks made before anything runs, and blocks of a dense matrix handed
// out as tensors of the leaves' shapes. (along(...) is in along.hpp.)
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/core/dual.hpp"
#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/engine/checks.hpp"
#include "ctgrad/engine/schedule.hpp"
#include "ctgrad/expr/binding.hpp"
#include "ctgrad/expr/diagnostics.hpp"

namespace ctgrad {

namespace detail {

template <std::size_t N>
struct offsets {
  std::size_t at[N + 1]{};
};
template <std::size_t... Size>
constexpr offsets<sizeof...(Size)> running_sum() {
  offsets<sizeof...(Size)> o;
  const std::size_t sizes[] = {Size..., 0};
  for (std::size_t j = 0; j < sizeof...(Size); ++j) o.at[j + 1] = o.at[j] + sizes[j];
  return o;
}

// The leaves L... as one vector: leaf j's elements start at offset.at[j].
template <class... L>
struct wrt_layout {
  static constexpr std::size_t count = sizeof...(L);
  static constexpr offsets<sizeof...(L)> offset = running_sum<L::shape_type::size...>();
  static constexpr std::size_t n = offset.at[sizeof...(L)];
  // the position of Leaf among L... (count: not there)
  template <class Leaf>
  static constexpr std::size_t index = [] {
    constexpr bool same[] = {std::is_same_v<Leaf, L>..., false};
    for (std::size_t j = 0; j < sizeof...(L); ++j)
      if (same[j]) return j;
    return sizeof...(L);
  }();
};
template <class W>
struct layout_of;
template <class... L>
struct layout_of<wrt_t<L...>> {
  using type = wrt_layout<L...>;
};

template <class T, class A, class B>
struct joined_tensor;
template <class T, std::size_t... A, std::size_t... B>
struct joined_tensor<T, shape<A...>, shape<B...>> {
  using type = tensor<T, A..., B...>;
};

// Rows [r0, r0 + size(A)) and columns [c0, c0 + size(B)) of a dense R x C matrix, as a tensor
// of shape [A..., B...] (a plain number when both are scalars).
template <class A, class B, class T, std::size_t R, std::size_t C>
constexpr auto block(const tensor<T, R, C>& m, std::size_t r0, std::size_t c0) {
  if constexpr (A::rank == 0 && B::rank == 0) {
    return m(r0, c0);
  } else {
    typename joined_tensor<T, A, B>::type out;
    for (std::size_t i = 0; i < A::size; ++i)
      for (std::size_t j = 0; j < B::size; ++j) out.flat(i * B::size + j) = m(r0 + i, c0 + j);
    return out;
  }
}

// What is wrong with a derivative call `what` of E at B for the leaves W (void: nothing).
template <auto What, class E, class W, class B, bool NeedScalar>
constexpr auto derivative_problem() {
  if constexpr (is_invalid<E>) {
    return std::type_identity<E>{};
  } else if constexpr (!real_number<typename E::value_type>) {
    return std::type_identity<invalid<error_kind::element_type_mismatch,
                                      What + fixed_string(": the expression's elements must be floating point (or duals of it)")>>{};
  } else if constexpr (NeedScalar && E::shape_type::rank != 0) {
    return std::type_identity<invalid<error_kind::not_scalar, What + fixed_string(": the expression has shape ") +
                                                                  shape_string(typename E::shape_type{}) +
                                                                  fixed_string("; it must be a scalar")>>{};
  } else if constexpr (E::shape_type::dynamic) {
    return std::type_identity<invalid<error_kind::shape_mismatch, What + fixed_string(": the expression has shape ") +
                                                                      shape_string(typename E::shape_type{}) +
                                                                      fixed_string("; derivatives take static shapes")>>{};
  } else {
    return std::type_identity<problem_t<E, W, B, false>>{};
  }
}
// the problem P, reported unless E itself was invalid (then it was reported where it arose)
template <class P, class E>
constexpr P reported() {
  if constexpr (!is_invalid<E>) report<P>();
  return P{};
}

template <auto What, class E, class W, class B, bool NeedScalar>
using derivative_problem_t = typename decltype(derivative_problem<What, E, W, B, NeedScalar>())::type;

// (a leaf of `along` that the expression does not use: void if none)
template <class S, class A>
struct unused_tangent {
  using type = void;
};
template <class S, class... A>
struct unused_tangent<S, bindings<A...>> : unused_wrt_leaf<S, wrt_t<typename A::leaf_type...>> {};

// derivative_problem, and then a leaf of the tangents A that E does not use (jvp, hvp)
template <auto What, class E, class W, class A, class B, bool NeedScalar>
constexpr auto along_problem() {
  using P = derivative_problem_t<What, E, W, B, NeedScalar>;
  if constexpr (!std::is_void_v<P>) {
    return std::type_identity<P>{};
  } else {
    using L = typename unused_tangent<schedule<E, all_trainable>, A>::type;
    if constexpr (std::is_void_v<L>)
      return std::type_identity<void>{};
    else
      return std::type_identity<invalid<error_kind::not_differentiable, What + fixed_string(": along(...): leaf ") +
                                                                            leaf_description<L>() +
                                                                            fixed_string(" is not used by the expression")>>{};
  }
}
template <auto What, class E, class W, class A, class B, bool NeedScalar>
using along_problem_t = typename decltype(along_problem<What, E, W, A, B, NeedScalar>())::type;

}  // namespace detail

}  // namespace ctgrad

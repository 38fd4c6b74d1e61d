// What is wrong with an evaluation, found before any of it runs: a leaf with no value in
// at(...), one name for two different leaves, grad of a non-scalar, wrt(...) of a leaf the
// expression does not use. Each is an invalid<> that is reported as one `ctgrad:` error
// (expr/diagnostics.hpp), or void when nothing is wrong.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/engine/dynamic.hpp"
#include "ctgrad/engine/schedule.hpp"
#include "ctgrad/expr/binding.hpp"
#include "ctgrad/expr/diagnostics.hpp"
#include "ctgrad/expr/expression.hpp"

namespace ctgrad::detail {

template <class Leaf>
constexpr auto leaf_description() {
  return fixed_string("`") + Leaf::name + fixed_string("` ") + shape_string(typename Leaf::shape_type{});
}

// the name of a leaf, else "" (a variable per leaf type, not a function per step)
template <class Leaf>
inline constexpr const char* leaf_name = Leaf::name.c_str();
template <>
inline constexpr const char* leaf_name<void> = "";
template <class S, std::size_t... A>
constexpr std::size_t first_name_clash(std::index_sequence<A...>) {
  constexpr bool leaf[] = {is_leaf<typename S::template node<A>>..., false};
  constexpr const char* names[] = {leaf_name<leaf_or_void<typename S::template node<A>>>..., ""};
  auto same = [](const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
  };
  for (std::size_t i = 0; i < S::size; ++i)
    if (leaf[i])
      for (std::size_t j = 0; j < S::size; ++j)
        if (j != i && leaf[j] && same(names[i], names[j])) return i;
  return S::size;
}

// The first leaf named in wrt(...) that the expression does not use (void: none).
template <class S, class Wrt>
struct unused_wrt_leaf {
  using type = void;
};
template <class S, class L, class... Rest>
struct unused_wrt_leaf<S, wrt_t<L, Rest...>> {
  using type = std::conditional_t<S::template step_of<L>::value == S::size, L,
                                  typename unused_wrt_leaf<S, wrt_t<Rest...>>::type>;
};

template <class Node, class B>
struct unbound_leaf : std::false_type {};
template <fixed_string N, class T, bool Tr, std::size_t... D, class B>
struct unbound_leaf<leaf<N, T, Tr, D...>, B> : std::bool_constant<!binds<leaf<N, T, Tr, D...>, B>> {};

// What is wrong with evaluating Expr for the leaves Wrt with bindings B (void: nothing).
template <class Expr, class Wrt, class B, bool NeedScalar>
constexpr auto evaluation_problem() {
  if constexpr (is_invalid<Expr>) {
    return std::type_identity<Expr>{};
  } else {
    using S = schedule<Expr, Wrt>;
    constexpr auto first_unbound = []<std::size_t... I>(std::index_sequence<I...>) {
      constexpr bool unbound[] = {unbound_leaf<typename S::template node<I>, B>::value...};
      for (std::size_t i = 0; i < S::size; ++i)
        if (unbound[i]) return i;
      return S::size;
    }(std::make_index_sequence<S::size>{});
    constexpr auto clash = first_name_clash<S>(std::make_index_sequence<S::size>{});
    constexpr auto misplaced = dynamic_plan<S>::first_misplaced(std::make_index_sequence<S::size>{});

    if constexpr (first_unbound != S::size) {
      using L = typename S::template node<first_unbound>;
      return std::type_identity<
          invalid<error_kind::unbound_leaf,
                  fixed_string("leaf ") + leaf_description<L>() + fixed_string(" has no value in at(...)")>>{};
    } else if constexpr (misplaced != S::size) {
      using N = typename S::template node<misplaced>;
      return std::type_identity<invalid<error_kind::shape_mismatch,
                                        name_of<typename op_of_node<N>::type>() + fixed_string(": its value ") +
                                            shape_string(typename N::shape_type{}) +
                                            fixed_string(" would keep dyn after its first dimension (a matrix with dynamic "
                                                         "rows is transposed only inside a product: X^T * Y)")>>{};
    } else if constexpr (clash != S::size) {
      using L = typename S::template node<clash>;
      return std::type_identity<invalid<error_kind::name_clash,
                                        fixed_string("the name `") + L::name +
                                            fixed_string("` names two different leaves (shapes or element types)")>>{};
    } else if constexpr (NeedScalar && Expr::shape_type::rank != 0) {
      return std::type_identity<invalid<error_kind::not_scalar,
                                        fixed_string("grad: the expression has shape ") +
                                            shape_string(typename Expr::shape_type{})>>{};
    } else if constexpr (!std::is_void_v<typename unused_wrt_leaf<S, Wrt>::type>) {
      using L = typename unused_wrt_leaf<S, Wrt>::type;
      return std::type_identity<invalid<error_kind::not_differentiable,
                                        fixed_string("wrt(...): leaf ") + leaf_description<L>() +
                                            fixed_string(" is not used by the expression")>>{};
    } else {
      return std::type_identity<void>{};
    }
  }
}

template <class Expr, class Wrt, class B, bool NeedScalar>
using problem_t = typename decltype(evaluation_problem<Expr, Wrt, B, NeedScalar>())::type;

}  // namespace ctgrad::detail

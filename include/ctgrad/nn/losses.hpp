// Losses, as expressions like any other (their gradients come from the generated backward
// pass, no hand-written loss gradient).
//
//   nn::squared_loss(pred, target)    sum of 1/2 (pred - target)^2   (the tutorial's)
//   nn::mse(pred, target)             mean of (pred - target)^2
//   nn::cross_entropy(logits, labels) softmax cross-entropy, logits [B, C], integer
//                                     labels [B], mean over the batch (ops/cross_entropy.hpp)
//
// A prediction and its target must have the same shape: no broadcasting here, because a
// [B, 1] prediction against a [B] target is almost always a mistake.
#pragma once

#include <type_traits>
#include <utility>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/diagnostics.hpp"
#include "ctgrad/expr/expression.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/ops/cross_entropy.hpp"
#include "ctgrad/ops/functions.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad::nn {

namespace detail {

// A loss of a prediction against a target of the same shape: its name (for errors) and
// the expression it builds.
struct squared {
  static constexpr auto name = fixed_string("nn::squared_loss");
  template <class P, class Y>
  static constexpr auto build(const P& pred, const Y& target) {
    return sum(typename P::value_type(0.5) * square(pred - target));
  }
};
struct mean_squared {
  static constexpr auto name = fixed_string("nn::mse");
  template <class P, class Y>
  static constexpr auto build(const P& pred, const Y& target) {
    return mean(square(pred - target));
  }
};

// The loss expression, or the invalid<> that says why not: an invalid operand passes
// through (reported where it arose), shapes that differ are this loss's error.
template <class Loss, class P, class Y>
struct same_shape_loss {};
template <class Loss, class P, class Y, bool Same = std::is_same_v<typename P::shape_type, typename Y::shape_type>>
struct checked_loss {
  using type = decltype(Loss::build(std::declval<const P&>(), std::declval<const Y&>()));
};
template <class Loss, class P, class Y>
struct checked_loss<Loss, P, Y, false> {
  using type = invalid<error_kind::shape_mismatch, Loss::name + fixed_string(": prediction ") +
                                                       shape_string(typename P::shape_type{}) + fixed_string(" and target ") +
                                                       shape_string(typename Y::shape_type{}) + fixed_string(" differ")>;
};
template <class Loss, class P, class Y>
  requires(expression<P> && expression<Y>)
struct same_shape_loss<Loss, P, Y> : checked_loss<Loss, P, Y> {};
template <class Loss, class P, class Y>
  requires(ctgrad::detail::is_invalid<P> || ctgrad::detail::is_invalid<Y>)
struct same_shape_loss<Loss, P, Y> {
  using type = typename ctgrad::detail::first_invalid<P, Y>::type;
};
template <class Loss, class P, class Y>
using same_shape_loss_t = typename same_shape_loss<Loss, std::remove_cvref_t<P>, std::remove_cvref_t<Y>>::type;

template <class Loss, class P, class Y>
constexpr same_shape_loss_t<Loss, P, Y> make_loss(const P& pred, const Y& target) {
  using R = same_shape_loss_t<Loss, P, Y>;
  if constexpr (ctgrad::detail::is_invalid<R>) {
    if constexpr (!ctgrad::detail::is_invalid<P> && !ctgrad::detail::is_invalid<Y>) ctgrad::detail::report<R>();
    return R{};
  } else {
    return Loss::build(pred, target);
  }
}

}  // namespace detail

template <ctgrad::detail::unary_operand P, ctgrad::detail::unary_operand Y>
constexpr detail::same_shape_loss_t<detail::squared, P, Y> squared_loss(const P& pred, const Y& target) {
  return detail::make_loss<detail::squared>(pred, target);
}

template <ctgrad::detail::unary_operand P, ctgrad::detail::unary_operand Y>
constexpr detail::same_shape_loss_t<detail::mean_squared, P, Y> mse(const P& pred, const Y& target) {
  return detail::make_loss<detail::mean_squared>(pred, target);
}

template <ctgrad::detail::unary_operand L, ctgrad::detail::unary_operand Y>
constexpr result_t<op::cross_entropy, L, Y> cross_entropy(const L& logits, const Y& labels) {
  return ctgrad::detail::make_node(op::cross_entropy{}, logits, labels);
}

}  // namespace ctgrad::nn

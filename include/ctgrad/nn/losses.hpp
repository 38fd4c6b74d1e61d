// Losses, as expressions like any other (their gradients come from the core nodes).
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

#include "ctgrad/core/diagnostics.hpp"
#include "ctgrad/core/expression.hpp"
#include "ctgrad/ops/cross_entropy.hpp"
#include "ctgrad/ops/functions.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad::nn {

namespace detail {
template <fixed_string Loss, class P, class Y, class Valid>
constexpr auto loss_type() {
  using PS = typename P::shape_type;
  using YS = typename Y::shape_type;
  if constexpr (std::is_same_v<PS, YS>)
    return std::type_identity<Valid>{};
  else
    return std::type_identity<invalid<error_kind::shape_mismatch,
                                      Loss + fixed_string(": prediction ") + ctgrad::detail::shape_string(PS{}) +
                                          fixed_string(" and target ") + ctgrad::detail::shape_string(YS{}) +
                                          fixed_string(" differ")>>{};
}

template <fixed_string Loss, class P, class Y, class Valid>
struct loss_result {};
template <fixed_string Loss, class P, class Y, class Valid>
  requires(expression<P> && expression<Y>)
struct loss_result<Loss, P, Y, Valid> {
  using type = typename decltype(loss_type<Loss, P, Y, Valid>())::type;
};
template <fixed_string Loss, class P, class Y, class Valid>
  requires(ctgrad::detail::is_invalid<P> || ctgrad::detail::is_invalid<Y>)
struct loss_result<Loss, P, Y, Valid> {
  using type = typename ctgrad::detail::first_invalid<P, Y>::type;
};

template <class P, class Y>
using squared_expr = decltype(sum(typename P::value_type(0.5) * square(std::declval<P>() - std::declval<Y>())));
template <class P, class Y>
using mse_expr = decltype(mean(square(std::declval<P>() - std::declval<Y>())));

// a shape mismatch of this loss is reported here; an invalid operand was reported already
template <class R, class P, class Y>
constexpr R reject_loss() {
  if constexpr (!ctgrad::detail::is_invalid<P> && !ctgrad::detail::is_invalid<Y>) ctgrad::detail::report<R>();
  return R{};
}
}  // namespace detail

template <ctgrad::detail::unary_operand P, ctgrad::detail::unary_operand Y>
constexpr auto squared_loss(const P& pred, const Y& target)
    -> typename detail::loss_result<fixed_string("nn::squared_loss"), P, Y, detail::squared_expr<P, Y>>::type {
  using R = typename detail::loss_result<fixed_string("nn::squared_loss"), P, Y, detail::squared_expr<P, Y>>::type;
  if constexpr (ctgrad::detail::is_invalid<R>)
    return detail::reject_loss<R, P, Y>();
  else
    return sum(typename P::value_type(0.5) * square(pred - target));
}

template <ctgrad::detail::unary_operand P, ctgrad::detail::unary_operand Y>
constexpr auto mse(const P& pred, const Y& target)
    -> typename detail::loss_result<fixed_string("nn::mse"), P, Y, detail::mse_expr<P, Y>>::type {
  using R = typename detail::loss_result<fixed_string("nn::mse"), P, Y, detail::mse_expr<P, Y>>::type;
  if constexpr (ctgrad::detail::is_invalid<R>)
    return detail::reject_loss<R, P, Y>();
  else
    return mean(square(pred - target));
}

template <ctgrad::detail::unary_operand L, ctgrad::detail::unary_operand Y>
constexpr result_t<op::cross_entropy, L, Y> cross_entropy(const L& logits, const Y& labels) {
  return ctgrad::detail::make_node(op::cross_entropy{}, logits, labels);
}

}  // namespace ctgrad::nn

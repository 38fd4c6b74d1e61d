// Losses, as expressions like any other (their gradients come from the generated backward
// pass, no hand-written loss gradient).
//
//   nn::squared_loss(pred, target)    sum of 1/2 (pred - target)^2   (the tutorial's)
//   nn::mse(pred, target)             mean of (pred - target)^2
//   nn::l1_loss(pred, target)         mean of |pred - target|
//   nn::huber_loss(pred, target, delta = 1)
//                                     mean of 1/2 d^2 where |d| < delta, else
//                                     delta (|d| - delta / 2), d = pred - target
//   nn::binary_cross_entropy(p, target)
//                                     mean of -(t log p + (1 - t) log(1 - p)), p a
//                                     probability; each log at least -100 (as PyTorch)
//   nn::binary_cross_entropy_with_logits(z, target)
//                                     the same of p = sigmoid(z), computed from z: finite
//                                     at any z
//   nn::cross_entropy(logits, labels) softmax cross-entropy, logits [B, C], integer
//                                     labels [B], mean over the batch (ops/cross_entropy.hpp)
//   nn::nll_loss(logp, labels)        the same of log-probabilities (after log_softmax)
//
// Each takes a reduction, as torch.nn.functional does: nn::l1_loss<nn::reduction::sum>(...)
// sums instead of averaging (not squared_loss and mse, which say theirs in their names).
// cross_entropy and nll_loss skip rows labelled ignore_label, and average over the others.
//
// A prediction and its target must have the same shape: no broadcasting here, because a
// [B, 1] prediction against a [B] target is almost always a mistake.
#pragma once

#include <stdexcept>
#include <type_traits>
#include <utility>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/diagnostics.hpp"
#include "ctgrad/expr/expression.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/math/scalar.hpp"
#include "ctgrad/ops/cross_entropy.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/functions.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad {

namespace fn {

// the elementwise parts of the losses; a is the prediction, b the target
struct huber {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("nn::huber_loss");
  double delta = 1.0;
  template <class T> constexpr T value(T a, T b) const {
    const T d = math::abs(a - b), k = T(delta);
    return d < k ? T(0.5) * d * d : k * (d - T(0.5) * k);
  }
  template <class T> constexpr T da(T a, T b, T) const {
    const T d = a - b, k = T(delta);
    return d < -k ? -k : (d > k ? k : d);
  }
  template <class T> constexpr T db(T a, T b, T y) const { return -da(a, b, y); }
};
struct binary_cross_entropy {
  static constexpr auto name = fixed_string("nn::binary_cross_entropy");
  template <class T> static constexpr T clamped_log(T x) {
    const T l = math::log(x);
    return l > T(-100) ? l : T(-100);
  }
  template <class T> constexpr T value(T p, T t) const {
    return -(t * clamped_log(p) + (T(1) - t) * clamped_log(T(1) - p));
  }
  // (as PyTorch: (p - t) / max(p (1 - p), 1e-12))
  template <class T> constexpr T da(T p, T t, T) const {
    const T v = p * (T(1) - p);
    return (p - t) / (v > T(1e-12) ? v : T(1e-12));
  }
  template <class T> constexpr T db(T p, T, T) const { return clamped_log(T(1) - p) - clamped_log(p); }
};
// softplus(z) - t z = max(z, 0) - t z + log1p(e^-|z|)
struct binary_cross_entropy_with_logits {
  static constexpr auto name = fixed_string("nn::binary_cross_entropy_with_logits");
  template <class T> constexpr T value(T z, T t) const { return math::softplus(z) - t * z; }
  template <class T> constexpr T da(T z, T t, T) const { return math::sigmoid(z) - t; }
  template <class T> constexpr T db(T z, T, T) const { return -z; }
};

}  // namespace fn

namespace nn {

// How a loss makes one number of its elements (torch.nn.functional's `reduction`).
enum class reduction { mean, sum };

namespace detail {

template <reduction R, class E>
constexpr auto reduce(const E& e) {
  if constexpr (R == reduction::mean)
    return ctgrad::mean(e);
  else
    return ctgrad::sum(e);
}

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
template <reduction R>
struct absolute {
  static constexpr auto name = fixed_string("nn::l1_loss");
  template <class P, class Y>
  static constexpr auto build(const P& pred, const Y& target) {
    return reduce<R>(abs(pred - target));
  }
};
// a loss that is an elementwise function F of prediction and target, reduced
template <reduction R, class F>
struct elementwise_loss {
  static constexpr auto name = F::name;
  F f;
  template <class P, class Y>
  constexpr auto build(const P& pred, const Y& target) const {
    return reduce<R>(elementwise(f, pred, target));
  }
};

// The loss expression, or the invalid<> that says why not: an invalid operand passes
// through (reported where it arose), shapes that differ are this loss's error.
template <class Loss, class P, class Y>
struct same_shape_loss {};
template <class Loss, class P, class Y, bool Same = std::is_same_v<typename P::shape_type, typename Y::shape_type>>
struct checked_loss {
  using type = decltype(std::declval<const Loss&>().build(std::declval<const P&>(), std::declval<const Y&>()));
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
constexpr same_shape_loss_t<Loss, P, Y> make_loss(const P& pred, const Y& target, const Loss& loss = {}) {
  using R = same_shape_loss_t<Loss, P, Y>;
  if constexpr (ctgrad::detail::is_invalid<R>) {
    if constexpr (!ctgrad::detail::is_invalid<P> && !ctgrad::detail::is_invalid<Y>) ctgrad::detail::report<R>();
    return R{};
  } else {
    return loss.build(pred, target);
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

template <reduction R = reduction::mean, ctgrad::detail::unary_operand P, ctgrad::detail::unary_operand Y>
constexpr detail::same_shape_loss_t<detail::absolute<R>, P, Y> l1_loss(const P& pred, const Y& target) {
  return detail::make_loss<detail::absolute<R>>(pred, target);
}

template <reduction R = reduction::mean, ctgrad::detail::unary_operand P, ctgrad::detail::unary_operand Y>
constexpr detail::same_shape_loss_t<detail::elementwise_loss<R, fn::huber>, P, Y> huber_loss(const P& pred, const Y& target,
                                                                                            double delta = 1.0) {
  if (!(delta > 0)) throw std::invalid_argument("ctgrad: nn::huber_loss needs delta > 0");
  return detail::make_loss(pred, target, detail::elementwise_loss<R, fn::huber>{fn::huber{delta}});
}

template <reduction R = reduction::mean, ctgrad::detail::unary_operand P, ctgrad::detail::unary_operand Y>
constexpr detail::same_shape_loss_t<detail::elementwise_loss<R, fn::binary_cross_entropy>, P, Y> binary_cross_entropy(
    const P& probability, const Y& target) {
  return detail::make_loss<detail::elementwise_loss<R, fn::binary_cross_entropy>>(probability, target);
}

template <reduction R = reduction::mean, ctgrad::detail::unary_operand P, ctgrad::detail::unary_operand Y>
constexpr detail::same_shape_loss_t<detail::elementwise_loss<R, fn::binary_cross_entropy_with_logits>, P, Y>
binary_cross_entropy_with_logits(const P& logits, const Y& target) {
  return detail::make_loss<detail::elementwise_loss<R, fn::binary_cross_entropy_with_logits>>(logits, target);
}

template <reduction R = reduction::mean, ctgrad::detail::unary_operand L, ctgrad::detail::unary_operand Y>
constexpr result_t<op::class_loss<true, R == reduction::mean>, L, Y> cross_entropy(const L& logits, const Y& labels) {
  return ctgrad::detail::make_node(op::class_loss<true, R == reduction::mean>{}, logits, labels);
}

template <reduction R = reduction::mean, ctgrad::detail::unary_operand L, ctgrad::detail::unary_operand Y>
constexpr result_t<op::class_loss<false, R == reduction::mean>, L, Y> nll_loss(const L& log_probabilities, const Y& labels) {
  return ctgrad::detail::make_node(op::class_loss<false, R == reduction::mean>{}, log_probabilities, labels);
}

}  // namespace nn
}  // namespace ctgrad

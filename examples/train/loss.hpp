// The loss --loss picks, as one operation of the trainer's own (the operation contract,
// ctgrad/expr/operation.hpp): the logits [N, 10] against the labels [N], by cross-entropy or
// by the tutorial's squared error against one-hot targets. The choice is made at run time,
// so one expression, and one compiled forward and backward pass of the model, serves both
// losses: as two expressions, the model's passes were compiled twice, about half of a model
// unit's compile time.
#pragma once

#include <cstddef>
#include <type_traits>

#include <ctgrad/expr/make_op.hpp>
#include <ctgrad/math/summation.hpp>
#include <ctgrad/ops/cross_entropy.hpp>

namespace trainer {

enum class loss_kind { cross_entropy, squared };

// cross_entropy: ctgrad's (mean over the rows of logsumexp(z) - z[label]), whose checks of
// the shapes, element types and labels it keeps. squared: 1/2 |z - onehot|^2 summed over
// the classes and averaged over the rows, computed as the expression
// 0.5f * 10 * mean(square(z - onehot)) computes it.
struct classification_loss : ctgrad::op::cross_entropy {
  using cross_entropy = ctgrad::op::cross_entropy;
  static constexpr auto name = ctgrad::fixed_string("classification_loss");
  loss_kind kind = loss_kind::cross_entropy;

  template <class Out, class L, class Y>
  constexpr void forward(Out& out, const L& logits, const Y& labels) const {
    if (kind == loss_kind::cross_entropy) return cross_entropy::forward(out, logits, labels);
    using T = typename Out::value_type;
    constexpr std::size_t C = classes<L>;
    const std::size_t n = rows(logits) * C;
    const T* z = logits.data();
    for (std::size_t b = 0; b < rows(logits); ++b) label_at<C>(labels, b);  // the label checks, once a row
    using label_t = typename Y::value_type;  // (the ignored label is negative: a row of zeros)
    const T s = ctgrad::math::sum_of<T>(n, [&](std::size_t i) {
      const T d = z[i] - (labels[i / C] == static_cast<label_t>(i % C) ? T(1) : T(0));
      return d * d;
    });
    out.flat(0) = T(0.5) * T(C) * (s / static_cast<T>(n));
  }

  template <std::size_t K, class DX, class DY, class Out, class L, class Y>
  constexpr void vjp(const DX& dx, const DY& dy, const Out& out, const L& logits, const Y& labels) const {
    if (kind == loss_kind::cross_entropy) return cross_entropy::template vjp<K>(dx, dy, out, logits, labels);
    using T = typename Out::value_type;
    constexpr std::size_t C = classes<L>;
    const std::size_t B = rows(logits), n = B * C;
    const T scale = dy[0] * (T(0.5) * T(C)) / static_cast<T>(n);
    const T* z = logits.data();
    for (std::size_t b = 0; b < B; ++b) {
      const std::size_t label = label_at<C>(labels, b);
      for (std::size_t c = 0; c < C; ++c)
        dx.put(b * C + c, scale * (T(2) * (z[b * C + c] - (c == label ? T(1) : T(0)))));
    }
  }
};

// the loss of the logits against the labels, of the kind given
template <class Z, class Y>
constexpr auto classification_loss_of(loss_kind kind, const Z& logits, const Y& labels) {
  return ctgrad::make_op(classification_loss{{}, kind}, logits, labels);
}

// The loss of a batch (or a thread's shard of one) of Net, as --loss says. The evaluation
// runs the same expression: its forward pass is then the same compiled code.
template <class Net>
struct batch_loss {
  static constexpr auto X = ctgrad::input<"X", float, ctgrad::dyn, Net::in_features>;
  static constexpr auto labels = ctgrad::input<"labels", int, ctgrad::dyn>;
  static auto make(loss_kind kind) { return classification_loss_of(kind, Net::apply(X), labels); }
  using type = std::remove_cvref_t<decltype(make(loss_kind::cross_entropy))>;
};

}  // namespace trainer

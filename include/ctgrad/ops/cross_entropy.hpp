// Losses of scores [B, C] against integer class labels [B], averaged over the batch (or summed):
//
//   cross_entropy   logits z:          mean_b( logsumexp(z_b) - z_b[label_b] )
//   nll_loss        log-probabilities: mean_b( -z_b[label_b] )   (after log_softmax)
//
// A row labelled ctgrad::ignore_label (-1, core/labels.hpp), such as the padding of a last,
// partial batch, contributes nothing, and the mean is over the other rows.
//
// One node rather than a composition: the log-sum-exp subtracts each row's maximum (no
// overflow at logits of 1e4), and the VJP is the familiar (softmax - onehot) / B, with the
// softmax recomputed in the backward pass instead of stored. Labels get no gradient.
// Users build them with nn::cross_entropy and nn::nll_loss (nn/losses.hpp).
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/labels.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/math/scalar.hpp"

namespace ctgrad {

namespace op {

template <bool Logits, bool Mean>
struct class_loss {
  static constexpr auto name = [] {
    if constexpr (Logits)
      return fixed_string("cross_entropy");
    else
      return fixed_string("nll_loss");
  }();

  template <class L, class Y>
  static constexpr auto check_types() {
    if constexpr (!real_number<L>)
      return fixed_string("scores must be floating point, got ") + detail::type_name_string<L>();
    else if constexpr (!std::is_integral_v<Y> || std::is_same_v<Y, bool>)
      return fixed_string("labels must be integers (class indices), got ") + detail::type_name_string<Y>();
    else
      return fixed_string("");
  }
  template <class L, class Y>
  static constexpr auto check() {
    if constexpr (L::rank != 2 || Y::rank != 1 || L::dim(0) != Y::dim(0))
      return fixed_string("needs scores [B,C] and labels [B], got ") + shape_string(L{}) +
             fixed_string(" and ") + shape_string(Y{});
    else
      return fixed_string("");
  }
  template <class L, class Y>
  using result_shape = shape<>;

  template <class L>
  static constexpr std::size_t classes = L::shape_type::dim(1);
  // the rows (known at run time for a dynamic batch)
  template <class L>
  static constexpr std::size_t rows(const L& logits) {
    return logits.size() / classes<L>;
  }

  // the label of row b, checked (an out-of-range label is a data error, never a wild
  // read), or C for a padding row
  template <std::size_t C, class Y>
  static constexpr std::size_t label_at(const Y& labels, std::size_t b) {
    return detail::class_of<C>(labels[b], Logits ? "ctgrad: cross_entropy: a label is outside [0, number of classes)"
                                                 : "ctgrad: nll_loss: a label is outside [0, number of classes)");
  }
  template <std::size_t C, class Y>
  static constexpr std::size_t rows_counted(const Y& labels, std::size_t B) {
    std::size_t n = 0;
    for (std::size_t b = 0; b < B; ++b) n += label_at<C>(labels, b) != C;
    return n;
  }

  template <class T, std::size_t C>
  static constexpr T row_max(const T* z) {
    T m = z[0];
    for (std::size_t c = 1; c < C; ++c) m = z[c] > m ? z[c] : m;
    return m;
  }

  template <class Out, class L, class Y>
  constexpr void forward(Out& out, const L& logits, const Y& labels) const {
    using T = typename Out::value_type;
    constexpr std::size_t C = classes<L>;
    const std::size_t B = rows(logits);
    const T* z = logits.data();
    T total{};
    std::size_t counted = 0;
    for (std::size_t b = 0; b < B; ++b, z += C) {
      const std::size_t label = label_at<C>(labels, b);
      if (label == C) continue;
      if constexpr (Logits) {
        const T m = row_max<T, C>(z);
        T s{};
        for (std::size_t c = 0; c < C; ++c) s += math::exp(z[c] - m);
        total += m + math::log(s) - z[label];
      } else {
        total -= z[label];
      }
      ++counted;
    }
    if constexpr (Mean)
      out.flat(0) = counted == 0 ? T{} : total / static_cast<T>(counted);
    else
      out.flat(0) = total;
  }

  template <std::size_t K, class DX, class DY, class Out, class L, class Y>
  constexpr void vjp(const DX& dx, const DY& dy, const Out&, const L& logits, const Y& labels) const {
    static_assert(K == 0, "ctgrad: class labels have no gradient (bind them with input<...>, not var<...>)");
    using T = typename Out::value_type;
    constexpr std::size_t C = classes<L>;
    const std::size_t B = rows(logits);
    T scale = dy[0];
    if constexpr (Mean) {
      const std::size_t counted = rows_counted<C>(labels, B);
      scale = counted == 0 ? T{} : dy[0] / static_cast<T>(counted);
    }
    const T* z = logits.data();
    for (std::size_t b = 0, g = 0; b < B; ++b, z += C, g += C) {
      const std::size_t label = label_at<C>(labels, b);
      if (label == C) {  // padding: no gradient
        for (std::size_t c = 0; c < C; ++c) dx.put(g + c, T{});
        continue;
      }
      if constexpr (!Logits) {
        for (std::size_t c = 0; c < C; ++c) dx.put(g + c, c == label ? -scale : T{});
        continue;
      }
      const T m = row_max<T, C>(z);
      T e[C];
      T s{};
      for (std::size_t c = 0; c < C; ++c) s += (e[c] = math::exp(z[c] - m));
      const T inv = scale / s;
      for (std::size_t c = 0; c < C; ++c) dx.put(g + c, e[c] * inv - (c == label ? scale : T{}));
    }
  }
};
using cross_entropy = class_loss<true, true>;

}  // namespace op
}  // namespace ctgrad

// Element types:
//
//   one_hot<C>(labels)     integer labels of shape S -> [S..., C] of float (one_hot<C, double>
//                          for another type): 1 at the label, 0 elsewhere; a row of zeros for
//                          ignore_label; label_out_of_range for any other label outside [0, C)
//   cast<U>(x)             x's elements as U; the gradient is cast back
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/labels.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/ops/axis.hpp"

namespace ctgrad {
namespace op {

template <std::size_t C, class T>
struct one_hot {
  static constexpr auto name = fixed_string("one_hot");
  static constexpr bool blocks_gradient = true;
  template <class L>
  using result_type = T;
  template <class L>
  static constexpr auto check_types() {
    if constexpr (!std::is_integral_v<L> || std::is_same_v<L, bool>)
      return fixed_string("labels must be integers (class indices), got ") + detail::type_name_string<L>();
    else
      return fixed_string("");
  }
  template <class S>
  static constexpr auto check() {
    if constexpr (C == 0)
      return fixed_string("no classes (C = 0)");
    else
      return fixed_string("");
  }
  template <class S>
  using result_shape = detail::with_axis<S, S::rank, C>;

  template <class Y, class L>
  constexpr void forward(Y& y, const L& labels) const {
    auto* yp = y.data();
    for (std::size_t i = 0; i < labels.size(); ++i) {
      const std::size_t k = detail::class_of<C>(labels[i], "ctgrad: one_hot: a label is outside [0, number of classes)");
      for (std::size_t c = 0; c < C; ++c) yp[i * C + c] = c == k ? T(1) : T(0);  // (k == C: ignore_label, a zero row)
    }
  }
};

template <class U>
struct cast {
  static constexpr auto name = fixed_string("cast");
  template <class T>
  using result_type = U;
  template <class T>
  static constexpr auto check_types() {
    return fixed_string("");
  }
  template <class S>
  using result_shape = S;

  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    auto* yp = y.data();
    for (std::size_t i = 0; i < x.size(); ++i) yp[i] = static_cast<U>(x[i]);
  }
  template <std::size_t, class DX, class DY, class Y, class X>
  constexpr void vjp(const DX& dx, const DY& dy, const Y&, const X& x) const {
    for (std::size_t i = 0; i < x.size(); ++i) dx.put(i, static_cast<typename DX::value_type>(dy[i]));
  }
};

}  // namespace op

template <std::size_t C, class T = float, detail::unary_operand L>
constexpr result_t<op::one_hot<C, T>, L> one_hot(const L& labels) {
  return detail::make_node(op::one_hot<C, T>{}, labels);
}
template <class U, detail::unary_operand X>
constexpr result_t<op::cast<U>, X> cast(const X& x) {
  return detail::make_node(op::cast<U>{}, x);
}

}  // namespace ctgrad

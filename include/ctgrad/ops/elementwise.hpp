// The two elementwise families, and elementwise<F>(...) that applies a function F written
// against the operation contract (expr/operation.hpp): its value and its derivative.
//
//   op::map<F>    y = F(x), one operand
//   op::zip<F>    y = F(a, b), the smaller operand broadcast over the trailing dimensions
//                 of the larger (a scalar fits anything; a row vector [N] each row of [B, N]);
//                 its gradient is summed over the repeated positions
//
// Each family's vector-Jacobian product is written once, element by element (vjp_at): the
// engine runs it over every element, or (for a fused step, engine/fusion.hpp) reads it where
// it is needed; a broadcast operand's gradient is its vjp_at summed over the repeats
// (`broadcasts`), which the engine does.
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/engine/fusion.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/expr/operation.hpp"
#include "ctgrad/expr/view.hpp"

namespace ctgrad {
namespace op {

// y = fn(x), elementwise
template <class Fn>
struct map {
  using function = Fn;
  [[no_unique_address]] Fn fn;

  template <class S>
  using result_shape = S;

  static constexpr bool fusable = detail::declares_fusable<Fn>;
  static constexpr bool blocks_gradient = detail::blocks_gradient<Fn>;
  template <std::size_t OperandExtent, std::size_t Extent>
  static constexpr bool reads_once = true;
  template <class T, class Shape, class X>
  constexpr auto lazy(const X& x) const {
    return detail::lazy_map<Fn, T, Shape, X>{fn, x};
  }

  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    auto* yp = y.data();
    if constexpr (Y::shape_type::rank == 0 && requires { fn.scalar_value(x.at(0, 0)); })
      yp[0] = fn.scalar_value(x.at(0, 0));  // a lone value: the function's form for one
    else
      detail::for_each_index<typename Y::shape_type>(y.size(),
                                                     [&](std::size_t o, std::size_t j) { yp[o + j] = fn.value(x.at(o, j)); });
  }
  template <std::size_t K, class DY, class Y, class X>
  constexpr auto vjp_at(std::size_t o, std::size_t j, const DY& dy, const Y& y, const X& x) const {
    return dy.at(o, j) * fn.deriv(x.at(o, j), y.at(o, j));
  }
};

// y = fn(a, b), elementwise, broadcasting the smaller operand over the trailing dimensions
template <class Fn>
struct zip {
  using function = Fn;
  [[no_unique_address]] Fn fn;

  template <class A, class B>
  static constexpr auto check() {
    if constexpr (detail::is_suffix<A, B> || detail::is_suffix<B, A>)
      return fixed_string("");
    else
      return fixed_string("shapes ") + shape_string(A{}) + fixed_string(" and ") + shape_string(B{}) +
             fixed_string(" do not broadcast (they must be equal, or one the trailing dimensions of the other)");
  }
  template <class A, class B>
  using result_shape = std::conditional_t<(A::rank >= B::rank), A, B>;

  // a broadcast operand is read many times: only a full-size one may be a fused step
  static constexpr bool fusable = detail::declares_fusable<Fn>;
  static constexpr bool blocks_gradient = detail::blocks_gradient<Fn>;
  template <std::size_t OperandExtent, std::size_t Extent>
  static constexpr bool reads_once = OperandExtent == Extent;
  static constexpr bool broadcasts = true;  // a broadcast operand's gradient: vjp_at summed
  template <class T, class Shape, class A, class B>
  constexpr auto lazy(const A& a, const B& b) const {
    return detail::lazy_zip<Fn, T, Shape, A, B>{fn, a, b};
  }

  template <class Y, class A, class B>
  constexpr void forward(Y& y, const A& a, const B& b) const {
    using S = typename Y::shape_type;
    auto* yp = y.data();
    if constexpr (detail::scalar_b_form<Fn, S, B>) {
      const auto f = fn.by_scalar(b.at(0, 0));
      detail::for_each_index<S>(y.size(),
                                [&](std::size_t o, std::size_t j) { yp[o + j] = f.value(detail::broadcast_at<S>(a, o, j)); });
    } else {
      detail::for_each_index<S>(y.size(), [&](std::size_t o, std::size_t j) {
        yp[o + j] = fn.value(detail::broadcast_at<S>(a, o, j), detail::broadcast_at<S>(b, o, j));
      });
    }
  }

  // operand K's gradient at output element (o, j): for a full-size operand, its own element
  template <std::size_t K, class DY, class Y, class A, class B>
  constexpr auto vjp_at(std::size_t o, std::size_t j, const DY& dy, const Y& y, const A& a, const B& b) const {
    using S = typename Y::shape_type;
    const auto av = detail::broadcast_at<S>(a, o, j);
    if constexpr (detail::scalar_b_form<Fn, S, B>) {
      const auto f = fn.by_scalar(b.at(0, 0));  // the same for every element: hoisted out of the loop
      if constexpr (K == 0)
        return dy.at(o, j) * f.da(av, y.at(o, j));
      else
        return dy.at(o, j) * f.db(av, y.at(o, j));
    } else {
      const auto bv = detail::broadcast_at<S>(b, o, j);
      if constexpr (K == 0)
        return dy.at(o, j) * fn.da(av, bv, y.at(o, j));
      else
        return dy.at(o, j) * fn.db(av, bv, y.at(o, j));
    }
  }
};

}  // namespace op

namespace detail {
template <class F, std::size_t Operands>
struct elementwise_family;
template <class F>
struct elementwise_family<F, 1> {
  using type = op::map<F>;
};
template <class F>
struct elementwise_family<F, 2> {
  using type = op::zip<F>;
};
}  // namespace detail

// The node elementwise<F> makes of operands A... (or the invalid<> that says why not).
template <class F, class... A>
using elementwise_t = result_t<typename detail::elementwise_family<F, sizeof...(A)>::type, A...>;

// F applied to each element of x, or to each pair of elements of a and b (broadcast like +).
template <class F, class... A>
  requires(sizeof...(A) == 1 || sizeof...(A) == 2)
constexpr elementwise_t<F, A...> elementwise(const A&... a) {
  return detail::make_node(typename detail::elementwise_family<F, sizeof...(A)>::type{}, a...);
}
// The same with a function object that carries data: elementwise(scaled_exp{0.5}, x).
template <class F, class... A>
  requires((sizeof...(A) == 1 || sizeof...(A) == 2) && !detail::operand<F>)
constexpr elementwise_t<F, A...> elementwise(const F& f, const A&... a) {
  return detail::make_node(typename detail::elementwise_family<F, sizeof...(A)>::type{f}, a...);
}

}  // namespace ctgrad

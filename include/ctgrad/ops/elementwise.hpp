// The two elementwise node families. A new elementwise function is one small struct:
//
//   struct exp_fn {                                   // unary, used as op::map<exp_fn>
//     static constexpr auto name = fixed_string("exp");
//     template <class T> constexpr T value(T x) const { return math::exp(x); }
//     template <class T> constexpr T deriv(T x, T y) const { return y; }    // dy/dx
//   };
//   struct mul_fn {                                   // binary, used as op::zip<mul_fn>
//     ... value(a, b), da(a, b, y), db(a, b, y)       // dy/da, dy/db
//   };
//
// Binary ops broadcast by one rule: the smaller operand's shape must equal the trailing
// dimensions of the larger one (a scalar fits anything; a row vector [N] fits each row of
// [B, N]). Its gradient is summed over the repeated positions.
#pragma once

#include <cstddef>

#include "ctgrad/core/expression.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/view.hpp"

namespace ctgrad {

namespace detail {
template <class Fn>
concept cheap_fn = requires { requires Fn::cheap; };

// Calls f(o, j) for every element o + j of a tensor of this shape, row by row (see view.hpp).
template <class Shape, class F>
constexpr void for_each_index(F&& f) {
  constexpr std::size_t R = row_length<Shape>;
  if constexpr (R == Shape::size) {
    for (std::size_t j = 0; j < R; ++j) f(std::size_t{0}, j);
  } else {
    for (std::size_t o = 0; o < Shape::size; o += R)
      for (std::size_t j = 0; j < R; ++j) f(o, j);
  }
}

// Writes the first contribution to an adjoint, adds the later ones (see schedule.hpp).
template <bool Assign, class T, class V>
constexpr void put(T& dst, const V& v) {
  if constexpr (Assign)
    dst = v;
  else
    dst += v;
}
}  // namespace detail

namespace op {

// y = fn(x), elementwise
template <class Fn>
struct map {
  [[no_unique_address]] Fn fn;
  static constexpr auto name = Fn::name;

  template <class S>
  static constexpr auto check() {
    return fixed_string("");
  }
  template <class S>
  using result_shape = S;

  // fusion (see schedule.hpp): a cheap map is computed where it is read
  static constexpr bool inlinable = detail::cheap_fn<Fn>;
  template <std::size_t ChildExtent, std::size_t OutExtent>
  static constexpr bool reads_once = true;
  template <class T, class Shape, class X>
  constexpr auto lazy(const X& x) const {
    return detail::lazy_map<Fn, T, Shape, X>{fn, x};
  }
  // element (o, j) of the vector-Jacobian product (the adjoint of a fused operand)
  template <std::size_t K, class DY, class Y, class X>
  constexpr auto vjp_at(std::size_t o, std::size_t j, const DY& dy, const Y& y, const X& x) const {
    return dy.at(o, j) * fn.deriv(x.at(o, j), y.at(o, j));
  }

  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    auto* yp = y.data();
    const auto xv = detail::as_view(x);
    detail::for_each_index<typename Y::shape_type>(
        [&](std::size_t o, std::size_t j) { yp[o + j] = fn.value(xv.at(o, j)); });
  }
  template <std::size_t K, bool Assign, class DX, class DY, class Y, class X>
  constexpr void backward(DX& dx, const DY& dy, const Y& y, const X& x) const {
    auto* dxp = dx.data();
    const auto dyv = detail::as_view(dy);
    const auto yv = detail::as_view(y);
    const auto xv = detail::as_view(x);
    detail::for_each_index<typename Y::shape_type>([&](std::size_t o, std::size_t j) {
      detail::put<Assign>(dxp[o + j], dyv.at(o, j) * fn.deriv(xv.at(o, j), yv.at(o, j)));
    });
  }
};

// y = fn(a, b), elementwise, broadcasting the smaller operand over the trailing dimensions
template <class Fn>
struct zip {
  [[no_unique_address]] Fn fn;
  static constexpr auto name = Fn::name;

  template <class A, class B>
  static constexpr auto check() {
    if constexpr (detail::is_suffix<A, B> || detail::is_suffix<B, A>)
      return fixed_string("");
    else
      return fixed_string("shapes ") + detail::shape_string(A{}) + fixed_string(" and ") + detail::shape_string(B{}) +
             fixed_string(" do not broadcast (they must be equal, or one the trailing dimensions of the other)");
  }
  template <class A, class B>
  using result_shape = std::conditional_t<(A::rank >= B::rank), A, B>;

  // fusion (see schedule.hpp): a cheap zip is computed where it is read; a broadcast
  // operand is read many times, so only a full-size operand may be a fused step
  static constexpr bool inlinable = detail::cheap_fn<Fn>;
  template <std::size_t ChildExtent, std::size_t OutExtent>
  static constexpr bool reads_once = ChildExtent == OutExtent;
  template <class T, class Shape, class A, class B>
  constexpr auto lazy(const A& a, const B& b) const {
    return detail::lazy_zip<Fn, T, Shape, A, B>{fn, a, b};
  }
  // element (o, j) of the vector-Jacobian product for a full-size operand K (fused
  // operands are)
  template <std::size_t K, class DY, class Y, class A, class B>
  constexpr auto vjp_at(std::size_t o, std::size_t j, const DY& dy, const Y& y, const A& a, const B& b) const {
    return dy.at(o, j) * partial<K, Y::extent, detail::row_length<typename Y::shape_type>>(o, j, y, a, b);
  }

  template <class Y, class A, class B>
  constexpr void forward(Y& y, const A& a, const B& b) const {
    constexpr std::size_t n = Y::extent, R = detail::row_length<typename Y::shape_type>;
    auto* yp = y.data();
    const auto av = detail::as_view(a);
    const auto bv = detail::as_view(b);
    detail::for_each_index<typename Y::shape_type>([&](std::size_t o, std::size_t j) {
      yp[o + j] = fn.value(detail::broadcast_at<n, R>(av, o, j), detail::broadcast_at<n, R>(bv, o, j));
    });
  }

  template <std::size_t K, bool Assign, class DX, class DY, class Y, class A, class B>
  constexpr void backward(DX& dx, const DY& dy, const Y& y, const A& a, const B& b) const {
    constexpr std::size_t n = Y::extent, nx = DX::extent, R = detail::row_length<typename Y::shape_type>;
    auto* dxp = dx.data();
    const auto dyv = detail::as_view(dy);
    const auto yv = detail::as_view(y);
    const auto av = detail::as_view(a);
    const auto bv = detail::as_view(b);
    auto contribution = [&](std::size_t o, std::size_t j) { return dyv.at(o, j) * partial<K, n, R>(o, j, yv, av, bv); };
    if constexpr (nx == n) {
      detail::for_each_index<typename Y::shape_type>(
          [&](std::size_t o, std::size_t j) { detail::put<Assign>(dxp[o + j], contribution(o, j)); });
    } else if constexpr (nx == 1) {
      // a broadcast scalar: its gradient is the sum of all contributions (kept in a register)
      typename DX::value_type s{};
      detail::for_each_index<typename Y::shape_type>([&](std::size_t o, std::size_t j) { s += contribution(o, j); });
      detail::put<Assign>(dxp[0], s);
    } else {
      // a broadcast operand: sum its gradient over the repeats
      if constexpr (Assign)
        for (std::size_t i = 0; i < nx; ++i) dxp[i] = {};
      detail::for_each_index<typename Y::shape_type>([&](std::size_t o, std::size_t j) {
        dxp[nx == R ? j : (o + j) % nx] += contribution(o, j);
      });
    }
  }

 private:
  // d y / d operand K at output element (o, j)
  template <std::size_t K, std::size_t N, std::size_t R, class Y, class A, class B>
  constexpr auto partial(std::size_t o, std::size_t j, const Y& y, const A& a, const B& b) const {
    const auto av = detail::broadcast_at<N, R>(a, o, j);
    const auto bv = detail::broadcast_at<N, R>(b, o, j);
    if constexpr (K == 0)
      return fn.da(av, bv, y.at(o, j));
    else
      return fn.db(av, bv, y.at(o, j));
  }
};

}  // namespace op
}  // namespace ctgrad

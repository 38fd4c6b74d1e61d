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
  // element i of the vector-Jacobian product (the adjoint of a fused operand)
  template <std::size_t K, class DY, class Y, class X>
  constexpr auto vjp_at(std::size_t i, const DY& dy, const Y& y, const X& x) const {
    return dy[i] * fn.deriv(x[i], y[i]);
  }

  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    auto* yp = y.data();
    const auto xp = x.data();
    for (std::size_t i = 0; i < Y::extent; ++i) yp[i] = fn.value(xp[i]);
  }
  template <std::size_t K, bool Assign, class DX, class DY, class Y, class X>
  constexpr void backward(DX& dx, const DY& dy, const Y& y, const X& x) const {
    auto* dxp = dx.data();
    const auto dyp = dy.data();
    const auto yp = y.data();
    const auto xp = x.data();
    for (std::size_t i = 0; i < Y::extent; ++i) detail::put<Assign>(dxp[i], dyp[i] * fn.deriv(xp[i], yp[i]));
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
  // element i of the vector-Jacobian product for a full-size operand K (fused operands are)
  template <std::size_t K, class DY, class Y, class A, class B>
  constexpr auto vjp_at(std::size_t i, const DY& dy, const Y& y, const A& a, const B& b) const {
    constexpr std::size_t n = Y::extent;
    const auto av = a[A::extent == n ? i : i % A::extent];
    const auto bv = b[B::extent == n ? i : i % B::extent];
    if constexpr (K == 0)
      return dy[i] * fn.da(av, bv, y[i]);
    else
      return dy[i] * fn.db(av, bv, y[i]);
  }

  template <class Y, class A, class B>
  constexpr void forward(Y& y, const A& a, const B& b) const {
    auto* yp = y.data();
    const auto ap = a.data();
    const auto bp = b.data();
    if constexpr (A::extent == B::extent) {
      for (std::size_t i = 0; i < Y::extent; ++i) yp[i] = fn.value(ap[i], bp[i]);
    } else if constexpr (B::extent == 1) {
      const auto bv = bp[0];
      for (std::size_t i = 0; i < Y::extent; ++i) yp[i] = fn.value(ap[i], bv);
    } else if constexpr (A::extent == 1) {
      const auto av = ap[0];
      for (std::size_t i = 0; i < Y::extent; ++i) yp[i] = fn.value(av, bp[i]);
    } else if constexpr (A::extent > B::extent) {
      for (std::size_t o = 0; o < Y::extent; o += B::extent)
        for (std::size_t j = 0; j < B::extent; ++j) yp[o + j] = fn.value(ap[o + j], bp[j]);
    } else {
      for (std::size_t o = 0; o < Y::extent; o += A::extent)
        for (std::size_t j = 0; j < A::extent; ++j) yp[o + j] = fn.value(ap[j], bp[o + j]);
    }
  }

  template <std::size_t K, bool Assign, class DX, class DY, class Y, class A, class B>
  constexpr void backward(DX& dx, const DY& dy, const Y& y, const A& a, const B& b) const {
    constexpr std::size_t n = Y::extent, na = A::extent, nb = B::extent;
    constexpr std::size_t nx = DX::extent;
    auto* dxp = dx.data();
    const auto dyp = dy.data();
    const auto yp = y.data();
    const auto ap = a.data();
    const auto bp = b.data();
    // the partial derivative at output position i
    auto partial = [&](std::size_t i) {
      const auto av = ap[na == n ? i : i % na];
      const auto bv = bp[nb == n ? i : i % nb];
      if constexpr (K == 0)
        return fn.da(av, bv, yp[i]);
      else
        return fn.db(av, bv, yp[i]);
    };
    if constexpr (nx == n) {
      for (std::size_t i = 0; i < n; ++i) detail::put<Assign>(dxp[i], dyp[i] * partial(i));
    } else {
      // this operand was broadcast: sum its gradient over the repeats
      for (std::size_t j = 0; j < nx; ++j) detail::put<Assign>(dxp[j], dyp[j] * partial(j));
      for (std::size_t o = nx; o < n; o += nx)
        for (std::size_t j = 0; j < nx; ++j) dxp[j] += dyp[o + j] * partial(o + j);
    }
  }
};

}  // namespace op
}  // namespace ctgrad

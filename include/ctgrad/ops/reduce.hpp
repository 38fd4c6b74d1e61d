// Reductions, over every element or along one axis (ops/axis.hpp: an int, -1 the last):
//
//   sum(x), mean(x)                     to a scalar
//   sum<A>(x), mean<A>(x)               along axis A: the result drops that axis
//   max<A>(x), min<A>(x)                (A defaults to all axes here and below) the gradient
//                                       is split evenly among the elements equal to the
//                                       result (as torch.amax); NaN propagates
//   prod<A>(x)                          the gradient is the product of the others (exact at zeros)
//   logsumexp<A>(x)                     log sum exp, less the maximum first: no overflow
//   norm<A>(x)                          L2, scaled by the largest |x|: no overflow; gradient
//                                       x / norm, and 0 where the norm is 0
//   variance<A>(x), stddev<A>(x)        with Bessel's correction (n - 1), as torch.var and
//                                       torch.std; stddev's gradient is 0 where it is 0
//                                       (PyTorch's is NaN)
//
// sum(x) and mean(x) are one operation (mean is the sum scaled by 1/n, n known at run time
// for a dynamic shape) whose gradient, dy or dy / n at every element, is given element by
// element (vjp_at), so a fusable operand, say the square in sum(square(x - mu)), is never
// stored (reads_once). The others are one operation, `along`, and a reducer each: its value
// on one line of elements and its gradient there.
#pragma once

#include <cstddef>
#include <limits>
#include <type_traits>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/math/scalar.hpp"
#include "ctgrad/math/summation.hpp"
#include "ctgrad/ops/axis.hpp"

namespace ctgrad {
namespace op {

template <bool Mean>
struct total {
  static constexpr auto name = [] {
    if constexpr (Mean)
      return fixed_string("mean");
    else
      return fixed_string("sum");
  }();
  template <class A>
  using result_shape = shape<>;

  template <std::size_t OperandExtent, std::size_t Extent>
  static constexpr bool reads_once = true;

  template <class Y, class A>
  constexpr void forward(Y& y, const A& a) const {
    const std::size_t n = a.size();
    const auto s = math::sum_of<typename Y::value_type>(n, [&](std::size_t i) { return a[i]; });
    if constexpr (Mean)
      y.flat(0) = s / static_cast<typename Y::value_type>(n);
    else
      y.flat(0) = s;
  }
  template <std::size_t, class DY, class Y, class A>
  constexpr auto vjp_at(std::size_t, std::size_t, const DY& dy, const Y&, const A& a) const {
    if constexpr (Mean)
      return dy[0] / static_cast<typename Y::value_type>(a.size());
    else
      return dy[0];
  }
};
using sum = total<false>;
using mean = total<true>;

}  // namespace op

// A reducer: value(line) of a line of elements (line[k], line.size()), and
// vjp(line, y, dy, put), which calls put(k, d(loss)/d(line[k])) once for every k.
namespace reducer {

struct sum {
  static constexpr auto name = fixed_string("sum");
  template <class T, class L>
  static constexpr T value(const L& x) {
    return math::sum_of<T>(x.size(), [&](std::size_t k) { return x[k]; });
  }
  template <class T, class L, class Put>
  static constexpr void vjp(const L& x, T, T dy, Put&& put) {
    for (std::size_t k = 0; k < x.size(); ++k) put(k, dy);
  }
};

struct mean {
  static constexpr auto name = fixed_string("mean");
  template <class T, class L>
  static constexpr T value(const L& x) {
    return sum::value<T>(x) / static_cast<T>(x.size());
  }
  template <class T, class L, class Put>
  static constexpr void vjp(const L& x, T, T dy, Put&& put) {
    const T d = dy / static_cast<T>(x.size());
    for (std::size_t k = 0; k < x.size(); ++k) put(k, d);
  }
};

template <bool Max>
struct extreme {
  static constexpr auto name = [] {
    if constexpr (Max)
      return fixed_string("max");
    else
      return fixed_string("min");
  }();
  template <class T, class L>
  static constexpr T value(const L& x) {
    T m = Max ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    for (std::size_t k = 0; k < x.size(); ++k) {
      const T v = x[k];
      if (v != v) return v;
      m = (Max ? v > m : v < m) ? v : m;
    }
    return m;
  }
  template <class T, class L, class Put>
  static constexpr void vjp(const L& x, T y, T dy, Put&& put) {
    std::size_t ties = 0;
    for (std::size_t k = 0; k < x.size(); ++k) ties += x[k] == y;
    const T d = ties == 0 ? T(0) : dy / static_cast<T>(ties);
    for (std::size_t k = 0; k < x.size(); ++k) put(k, x[k] == y ? d : T(0));
  }
};

struct prod {
  static constexpr auto name = fixed_string("prod");
  template <class T, class L>
  static constexpr T value(const L& x) {
    T p(1);
    for (std::size_t k = 0; k < x.size(); ++k) p *= x[k];
    return p;
  }
  // d/dx_k is the product of the others: y / x_k without zeros; with one zero, only that
  // element's is nonzero; with two or more, none is
  template <class T, class L, class Put>
  static constexpr void vjp(const L& x, T y, T dy, Put&& put) {
    std::size_t zeros = 0, zero_at = 0;
    T others(1);
    for (std::size_t k = 0; k < x.size(); ++k) {
      if (x[k] == T(0)) {
        ++zeros;
        zero_at = k;
      } else {
        others *= x[k];
      }
    }
    for (std::size_t k = 0; k < x.size(); ++k) {
      if (zeros == 0)
        put(k, dy * y / x[k]);
      else
        put(k, zeros == 1 && k == zero_at ? dy * others : T(0));
    }
  }
};

struct logsumexp {
  static constexpr auto name = fixed_string("logsumexp");
  template <class T, class L>
  static constexpr T value(const L& x) {
    const T m = extreme<true>::value<T>(x);
    if (!(m > -std::numeric_limits<T>::infinity() && m < std::numeric_limits<T>::infinity())) return m;  // also NaN
    const T s = math::sum_of<T>(x.size(), [&](std::size_t k) { return math::exp(x[k] - m); });
    return m + math::log(s);
  }
  // the softmax of the line
  template <class T, class L, class Put>
  static constexpr void vjp(const L& x, T y, T dy, Put&& put) {
    const bool none = y == -std::numeric_limits<T>::infinity();  // every element -inf: no gradient
    for (std::size_t k = 0; k < x.size(); ++k) put(k, none ? T(0) : dy * math::exp(x[k] - y));
  }
};

struct norm {
  static constexpr auto name = fixed_string("norm");
  template <class T, class L>
  static constexpr T value(const L& x) {
    T m{};
    for (std::size_t k = 0; k < x.size(); ++k) m = math::abs(x[k]) > m ? math::abs(x[k]) : m;
    if (m == T(0) || m == std::numeric_limits<T>::infinity() || m != m) return m;
    const T s = math::sum_of<T>(x.size(), [&](std::size_t k) { return (x[k] / m) * (x[k] / m); });
    return m * math::sqrt(s);
  }
  template <class T, class L, class Put>
  static constexpr void vjp(const L& x, T y, T dy, Put&& put) {
    for (std::size_t k = 0; k < x.size(); ++k) put(k, y == T(0) ? T(0) : dy * x[k] / y);
  }
};

// variance (Std false) or standard deviation, with Bessel's correction
template <bool Std>
struct spread {
  static constexpr auto name = [] {
    if constexpr (Std)
      return fixed_string("stddev");
    else
      return fixed_string("variance");
  }();
  template <class T, class L>
  static constexpr T value(const L& x) {
    const T mu = mean::value<T>(x);
    const T s = math::sum_of<T>(x.size(), [&](std::size_t k) { return (x[k] - mu) * (x[k] - mu); });
    const T v = s / static_cast<T>(x.size() - 1);
    if constexpr (Std)
      return math::sqrt(v);
    else
      return v;
  }
  template <class T, class L, class Put>
  static constexpr void vjp(const L& x, T y, T dy, Put&& put) {
    const T mu = mean::value<T>(x);
    const T n1 = static_cast<T>(x.size() - 1);
    // d var / dx_k = 2 (x_k - mu) / (n - 1); d std = d var / (2 std)
    const T scale = Std ? (y == T(0) ? T(0) : dy / (n1 * y)) : T(2) * dy / n1;
    for (std::size_t k = 0; k < x.size(); ++k) put(k, scale * (x[k] - mu));
  }
};

}  // namespace reducer

namespace op {

// A reducer R applied along axis A (all_axes: over every element, to a scalar).
template <class R, int A>
struct along {
  static constexpr auto name = R::name;

  template <class S>
  static constexpr std::size_t axis = A == all_axes ? S::rank : detail::axis_index<S::rank, A>;
  template <class S, bool All = (axis<S> == S::rank)>
  struct reduced {
    using type = shape<>;
  };
  template <class S>
  struct reduced<S, false> {
    using type = detail::without_axis<S, axis<S>>;
  };

  template <class S>
  static constexpr auto check() {
    if constexpr (A == all_axes)
      return fixed_string("");
    else
      return detail::axis_problem<S, A>();
  }
  template <class S>
  using result_shape = typename reduced<S>::type;

  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    using S = typename X::shape_type;
    using T = typename Y::value_type;
    auto* yp = y.data();
    detail::for_each_line<S, axis<S>>(x.size(), [&](std::size_t l, std::size_t base, std::size_t stride, std::size_t n) {
      yp[l] = R::template value<T>(detail::line_view<X>{x, base, stride, n});
    });
  }
  template <std::size_t, class DX, class DY, class Y, class X>
  constexpr void vjp(const DX& dx, const DY& dy, const Y& y, const X& x) const {
    using S = typename X::shape_type;
    using T = typename Y::value_type;
    detail::for_each_line<S, axis<S>>(x.size(), [&](std::size_t l, std::size_t base, std::size_t stride, std::size_t n) {
      R::template vjp<T>(detail::line_view<X>{x, base, stride, n}, y[l], dy[l],
                         [&](std::size_t k, T v) { dx.put(base + k * stride, v); });
    });
  }
};

}  // namespace op

template <detail::unary_operand A>
constexpr result_t<op::sum, A> sum(const A& a) {
  return detail::make_node(op::sum{}, a);
}
template <detail::unary_operand A>
constexpr result_t<op::mean, A> mean(const A& a) {
  return detail::make_node(op::mean{}, a);
}

// along an axis
template <int A, detail::unary_operand X>
constexpr result_t<op::along<reducer::sum, A>, X> sum(const X& x) {
  return detail::make_node(op::along<reducer::sum, A>{}, x);
}
template <int A, detail::unary_operand X>
constexpr result_t<op::along<reducer::mean, A>, X> mean(const X& x) {
  return detail::make_node(op::along<reducer::mean, A>{}, x);
}
template <int A = all_axes, detail::unary_operand X>
constexpr result_t<op::along<reducer::extreme<true>, A>, X> max(const X& x) {
  return detail::make_node(op::along<reducer::extreme<true>, A>{}, x);
}
template <int A = all_axes, detail::unary_operand X>
constexpr result_t<op::along<reducer::extreme<false>, A>, X> min(const X& x) {
  return detail::make_node(op::along<reducer::extreme<false>, A>{}, x);
}
template <int A = all_axes, detail::unary_operand X>
constexpr result_t<op::along<reducer::prod, A>, X> prod(const X& x) {
  return detail::make_node(op::along<reducer::prod, A>{}, x);
}
template <int A = all_axes, detail::unary_operand X>
constexpr result_t<op::along<reducer::logsumexp, A>, X> logsumexp(const X& x) {
  return detail::make_node(op::along<reducer::logsumexp, A>{}, x);
}
template <int A = all_axes, detail::unary_operand X>
constexpr result_t<op::along<reducer::norm, A>, X> norm(const X& x) {
  return detail::make_node(op::along<reducer::norm, A>{}, x);
}
template <int A = all_axes, detail::unary_operand X>
constexpr result_t<op::along<reducer::spread<false>, A>, X> variance(const X& x) {
  return detail::make_node(op::along<reducer::spread<false>, A>{}, x);
}
template <int A = all_axes, detail::unary_operand X>
constexpr result_t<op::along<reducer::spread<true>, A>, X> stddev(const X& x) {
  return detail::make_node(op::along<reducer::spread<true>, A>{}, x);
}

}  // namespace ctgrad

// Comparisons and where:
//
//   a < b, a <= b, a > b, a >= b, a == b, a != b   a 0/1 mask of a's element type, elementwise
//                                                  and broadcast as +; no gradient flows
//                                                  through a comparison
//   where(mask, a, b)                              a where mask is nonzero, else b; the three
//                                                  broadcast as + (each the result's shape
//                                                  or its trailing dimensions). The gradient
//                                                  goes to the branch taken, none to the mask.
//
// where's value reads only the branch it takes: where(x > 0, log(x), 0) is 0 at x = 0. The
// branch not taken still gets a zero gradient, which its own derivative multiplies: 0 * inf
// is NaN, as in PyTorch and JAX. Keep such a branch's input in its domain as well:
// where(x > 0, log(where(x > 0, x, 1)), 0) has gradient 0 at x = 0.
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/expr/view.hpp"
#include "ctgrad/ops/elementwise.hpp"

namespace ctgrad {

namespace fn {

// a comparison: 1 where it holds, else 0 (NaN compares false, except with !=)
enum class compare { less, less_equal, greater, greater_equal, equal, not_equal };
template <compare C, fixed_string Name>
struct comparison {
  static constexpr bool fusable = true;
  static constexpr bool blocks_gradient = true;
  static constexpr auto name = Name;
  template <class T> constexpr T value(T a, T b) const {
    bool holds;
    if constexpr (C == compare::less) holds = a < b;
    else if constexpr (C == compare::less_equal) holds = a <= b;
    else if constexpr (C == compare::greater) holds = a > b;
    else if constexpr (C == compare::greater_equal) holds = a >= b;
    else if constexpr (C == compare::equal) holds = a == b;
    else holds = a != b;
    return holds ? T(1) : T(0);
  }
  template <class T> constexpr T da(T, T, T) const { return T(0); }
  template <class T> constexpr T db(T, T, T) const { return T(0); }
};
using less = comparison<compare::less, fixed_string("operator<")>;
using less_equal = comparison<compare::less_equal, fixed_string("operator<=")>;
using greater = comparison<compare::greater, fixed_string("operator>")>;
using greater_equal = comparison<compare::greater_equal, fixed_string("operator>=")>;
using equal = comparison<compare::equal, fixed_string("operator==")>;
using not_equal = comparison<compare::not_equal, fixed_string("operator!=")>;

}  // namespace fn

namespace op {

struct select {
  static constexpr auto name = fixed_string("where");
  static constexpr bool broadcasts = true;  // a broadcast operand's gradient: vjp_at summed

  template <class M, class A, class B>
  using result_shape = std::conditional_t<(M::rank >= A::rank && M::rank >= B::rank), M,
                                          std::conditional_t<(A::rank >= B::rank), A, B>>;
  template <class M, class A, class B>
  static constexpr auto check() {
    using R = result_shape<M, A, B>;
    if constexpr (detail::is_suffix<M, R> && detail::is_suffix<A, R> && detail::is_suffix<B, R>)
      return fixed_string("");
    else
      return fixed_string("shapes ") + shape_string(M{}) + fixed_string(", ") + shape_string(A{}) + fixed_string(" and ") +
             shape_string(B{}) + fixed_string(" do not broadcast (each must be the largest or its trailing dimensions)");
  }

  template <class Y, class M, class A, class B>
  constexpr void forward(Y& y, const M& m, const A& a, const B& b) const {
    using S = typename Y::shape_type;
    auto* yp = y.data();
    // both branches are read, then one is kept: a blend. (With the reads inside the
    // conditional, GCC 12 -O3 -mavx2 vectorises them as masked loads and gets them wrong.)
    detail::for_each_index<S>(y.size(), [&](std::size_t o, std::size_t j) {
      const auto av = detail::broadcast_at<S>(a, o, j), bv = detail::broadcast_at<S>(b, o, j);
      yp[o + j] = detail::broadcast_at<S>(m, o, j) != 0 ? av : bv;
    });
  }

  // operand K's gradient at output element (o, j): dy for the branch taken, 0 elsewhere
  template <std::size_t K, class DY, class Y, class M, class A, class B>
  constexpr auto vjp_at(std::size_t o, std::size_t j, const DY& dy, const Y&, const M& m, const A&, const B&) const {
    using T = typename DY::value_type;
    if constexpr (K == 0) {
      return T(0);
    } else {
      const T d = dy.at(o, j);  // read unconditionally, as in forward
      const bool taken = (detail::broadcast_at<typename Y::shape_type>(m, o, j) != 0) == (K == 1);
      return taken ? d : T(0);
    }
  }
};

}  // namespace op

template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr elementwise_t<fn::less, A, B> operator<(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::less>{}, a, b);
}
template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr elementwise_t<fn::less_equal, A, B> operator<=(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::less_equal>{}, a, b);
}
template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr elementwise_t<fn::greater, A, B> operator>(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::greater>{}, a, b);
}
template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr elementwise_t<fn::greater_equal, A, B> operator>=(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::greater_equal>{}, a, b);
}
template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr elementwise_t<fn::equal, A, B> operator==(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::equal>{}, a, b);
}
template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr elementwise_t<fn::not_equal, A, B> operator!=(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::not_equal>{}, a, b);
}

// where(mask, a, b); a and b may be numbers: where(x > 0, x, 0.0)
template <class M, class A, class B>
  requires(detail::operand<M> && detail::operand<A> && detail::operand<B>)
constexpr result_t<op::select, M, A, B> where(const M& mask, const A& a, const B& b) {
  return detail::make_node(op::select{}, mask, a, b);
}

}  // namespace ctgrad

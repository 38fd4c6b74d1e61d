// Reductions to a scalar: sum(e), mean(e).
#pragma once

#include <cstddef>

#include "ctgrad/core/expression.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/functions.hpp"

namespace ctgrad {
namespace op {

struct sum {
  static constexpr auto name = fixed_string("sum");
  template <class A>
  static constexpr auto check() {
    return fixed_string("");
  }
  template <class A>
  using result_shape = shape<>;

  template <std::size_t ChildExtent, std::size_t OutExtent>
  static constexpr bool reads_once = true;

  template <class Y, class A>
  constexpr void forward(Y& y, const A& a) const {
    typename Y::value_type s{};
    const auto ap = a.data();
    for (std::size_t i = 0; i < A::extent; ++i) s += ap[i];
    y.flat(0) = s;
  }
  template <std::size_t, bool Assign, class DX, class DY, class Y, class A>
  constexpr void backward(DX& dx, const DY& dy, const Y&, const A&) const {
    const auto g = dy.data()[0];
    for (auto& v : dx) detail::put<Assign>(v, g);
  }
  template <std::size_t, class DY, class Y, class A>
  constexpr auto vjp_at(std::size_t, std::size_t, const DY& dy, const Y&, const A&) const {
    return dy[0];
  }
};

struct mean {
  static constexpr auto name = fixed_string("mean");
  template <class A>
  static constexpr auto check() {
    return fixed_string("");
  }
  template <class A>
  using result_shape = shape<>;

  template <std::size_t ChildExtent, std::size_t OutExtent>
  static constexpr bool reads_once = true;

  template <class Y, class A>
  constexpr void forward(Y& y, const A& a) const {
    typename Y::value_type s{};
    const auto ap = a.data();
    for (std::size_t i = 0; i < A::extent; ++i) s += ap[i];
    y.flat(0) = s / static_cast<typename Y::value_type>(A::extent);
  }
  template <std::size_t, bool Assign, class DX, class DY, class Y, class A>
  constexpr void backward(DX& dx, const DY& dy, const Y&, const A&) const {
    const auto g = dy.data()[0] / static_cast<typename Y::value_type>(A::extent);
    for (auto& v : dx) detail::put<Assign>(v, g);
  }
  template <std::size_t, class DY, class Y, class A>
  constexpr auto vjp_at(std::size_t, std::size_t, const DY& dy, const Y&, const A&) const {
    return dy[0] / static_cast<typename Y::value_type>(A::extent);
  }
};

// The value passes through; no gradient flows back (the schedule never visits below it).
struct stop_gradient {
  static constexpr auto name = fixed_string("stop_gradient");
  static constexpr bool blocks_gradient = true;
  template <class A>
  static constexpr auto check() {
    return fixed_string("");
  }
  template <class A>
  using result_shape = A;

  template <class Y, class A>
  constexpr void forward(Y& y, const A& a) const {
    const auto ap = a.data();
    for (std::size_t i = 0; i < Y::extent; ++i) y.flat(i) = ap[i];
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
template <detail::unary_operand A>
constexpr result_t<op::stop_gradient, A> stop_gradient(const A& a) {
  return detail::make_node(op::stop_gradient{}, a);
}

}  // namespace ctgrad

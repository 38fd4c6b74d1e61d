// Read-only views of node values, indexable like a pointer: v[i].
//
// Kernels read their operands through `x.data()` and index the result. For a stored
// tensor that is a pointer; for a fused elementwise step (see schedule.hpp, `inlined`)
// it is a lazy view that computes the element where it is read, so a chain such as
// sum(-0.5 * square(y - mu)) runs as one loop and stores nothing in between.
#pragma once

#include <boost/hana/basic_tuple.hpp>
#include <boost/hana/unpack.hpp>
#include <cstddef>

#include "ctgrad/core/tensor.hpp"

namespace ctgrad::detail {

// Each view spells out value_type/shape_type/extent/rank itself. Moving them into a shared
// empty base made GCC stop splitting the views into registers (W1b: 1.15x -> 20x the
// hand-written gradient), so the repetition stays.

// a stored tensor, seen through its data pointer
template <class T, class Shape>
struct dense_view {
  using value_type = T;
  using shape_type = Shape;
  static constexpr std::size_t extent = Shape::size;
  static constexpr std::size_t rank = Shape::rank;
  const T* p;
  constexpr T operator[](std::size_t i) const { return p[i]; }
  constexpr dense_view data() const { return *this; }
};

template <class T, std::size_t... D>
constexpr dense_view<T, shape<D...>> as_view(const tensor<T, D...>& t) {
  return {t.data()};
}
template <class V>
constexpr const V& as_view(const V& lazy) {
  return lazy;
}

// The data of a stored operand, for kernels that need memory (matrix products): their
// operands and adjoint are never fused, so they are always stored.
template <class T, std::size_t... D>
constexpr const T* stored_data(const tensor<T, D...>& t) {
  return t.data();
}
template <class T, class Shape>
constexpr const T* stored_data(const dense_view<T, Shape>& v) {
  return v.p;
}

// y[i] = fn(a[i])
template <class Fn, class T, class Shape, class A>
struct lazy_map {
  using value_type = T;
  using shape_type = Shape;
  static constexpr std::size_t extent = Shape::size;
  static constexpr std::size_t rank = Shape::rank;
  [[no_unique_address]] Fn fn;
  A a;
  constexpr T operator[](std::size_t i) const { return fn.value(a[i]); }
  constexpr lazy_map data() const { return *this; }
};

// y[i] = fn(a[i], b[i]), the smaller operand repeated over the trailing dimensions
template <class Fn, class T, class Shape, class A, class B>
struct lazy_zip {
  using value_type = T;
  using shape_type = Shape;
  static constexpr std::size_t extent = Shape::size;
  static constexpr std::size_t rank = Shape::rank;
  [[no_unique_address]] Fn fn;
  A a;
  B b;
  constexpr T operator[](std::size_t i) const {
    return fn.value(a[A::extent == extent ? i : i % A::extent], b[B::extent == extent ? i : i % B::extent]);
  }
  constexpr lazy_zip data() const { return *this; }
};

// The adjoint of a fused step, from its one consumer: adj[i] = consumer's VJP for its
// child K at element i (Op::vjp_at), given the consumer's own adjoint, value and operands.
template <class Op, std::size_t K, class T, class Shape, class DY, class Y, class... X>
struct lazy_adjoint {
  using value_type = T;
  using shape_type = Shape;
  static constexpr std::size_t extent = Shape::size;
  static constexpr std::size_t rank = Shape::rank;
  [[no_unique_address]] Op op;
  DY dy;
  Y y;
  boost::hana::basic_tuple<X...> x;
  constexpr T operator[](std::size_t i) const {
    return boost::hana::unpack(x, [&](const auto&... xs) { return op.template vjp_at<K>(i, dy, y, xs...); });
  }
  constexpr lazy_adjoint data() const { return *this; }
};

}  // namespace ctgrad::detail

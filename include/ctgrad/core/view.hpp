// Read-only views of node values.
//
// Elementwise kernels read their operands through views: for a stored tensor a pointer
// (dense_view); for a fused elementwise step (see schedule.hpp, `inlined`) a lazy view
// that computes the element where it is read, so a chain such as
// sum(-0.5 * square(y - mu)) runs as one loop and stores nothing in between.
//
// Views are read by row: v.at(o, j) is element o + j, where o is a multiple of the row
// length R (the last dimension) and j < R. A broadcast operand of extent R is then read
// at j, with no modulo in the loop, so loops over [B, N] with a bias [N] vectorise;
// v[i] reads element i anywhere.
#pragma once

#include <boost/hana/basic_tuple.hpp>
#include <boost/hana/unpack.hpp>
#include <cstddef>

#include "ctgrad/core/tensor.hpp"

namespace ctgrad::detail {

// Each view spells out value_type/shape_type/extent/rank itself. Moving them into a shared
// empty base made GCC stop splitting the views into registers (W1b: 1.15x -> 20x the
// hand-written gradient), so the repetition stays.

// the row length of a shape: its last dimension (1 for a scalar)
template <class Shape>
inline constexpr std::size_t row_length = Shape::rank == 0 ? 1 : Shape::dim(Shape::rank - 1);

// element (o, j) of an output with Extent elements and rows of R, read from an operand x
// that is either full-size or broadcast over the output's leading dimensions
template <std::size_t Extent, std::size_t R, class X>
constexpr auto broadcast_at(const X& x, std::size_t o, std::size_t j) {
  if constexpr (X::extent == Extent)
    return x.at(o, j);
  else if constexpr (X::extent == 1)
    return x.at(0, 0);
  else if constexpr (X::extent == R)
    return x.at(0, j);
  else
    return x[(o + j) % X::extent];
}

// a stored tensor, seen through its data pointer
template <class T, class Shape>
struct dense_view {
  using value_type = T;
  using shape_type = Shape;
  static constexpr std::size_t extent = Shape::size;
  static constexpr std::size_t rank = Shape::rank;
  const T* p;
  constexpr T operator[](std::size_t i) const { return p[i]; }
  constexpr T at(std::size_t o, std::size_t j) const { return p[o + j]; }
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
  constexpr T at(std::size_t o, std::size_t j) const { return fn.value(a.at(o, j)); }
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
  constexpr T at(std::size_t o, std::size_t j) const {
    constexpr std::size_t R = row_length<Shape>;
    return fn.value(broadcast_at<extent, R>(a, o, j), broadcast_at<extent, R>(b, o, j));
  }
  constexpr lazy_zip data() const { return *this; }
};

// The adjoint of a fused step, from its one consumer: element (o, j) is the consumer's VJP
// for its child K there (Op::vjp_at), given the consumer's own adjoint, value and operands.
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
  constexpr T at(std::size_t o, std::size_t j) const {
    return boost::hana::unpack(x, [&](const auto&... xs) { return op.template vjp_at<K>(o, j, dy, y, xs...); });
  }
  constexpr T operator[](std::size_t i) const {
    constexpr std::size_t R = row_length<Shape>;
    return at(i - i % R, i % R);
  }
  constexpr lazy_adjoint data() const { return *this; }
};

}  // namespace ctgrad::detail

// What an operation reads and writes (the operation contract, operation.hpp).
//
// Operands, an operation's own value y and its adjoint dy come as read-only views:
//   x[i]          element i, row-major
//   x.at(o, j)    element o + j, where o is a multiple of the row length R (the last
//                 dimension) and j < R: a broadcast operand of extent R is then read at j,
//                 with no modulo, so loops over [B, N] with a bias [N] vectorise
//   x.data()      a pointer to the elements, for kernels; only a stored operand has one
//                 (every operand of an operation that does not declare reads_once is)
//   X::value_type, X::shape_type, X::extent, X::rank
// A fused operand (engine/fusion.hpp) is a view that computes each element where it is read.
//
// An operation writes its part of operand K's gradient through an adjoint_sink:
//   dx.put(i, v)  the engine assigns the first contribution to an adjoint and adds the later
//                 ones (engine/schedule.hpp decides which); put() does what this one needs
//   dx.data(), DX::accumulates   for kernels that add into memory themselves
#pragma once

#include <cstddef>

#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tensor.hpp"

namespace ctgrad {

// Views spell out value_type/shape_type/extent/rank each: a shared empty base made GCC stop
// splitting them into registers (docs/design.md, "Run time").

// A stored tensor, seen through its data pointer.
template <class T, class Shape>
struct dense_view {
  using value_type = T;
  using shape_type = Shape;
  static constexpr std::size_t extent = Shape::size;
  static constexpr std::size_t rank = Shape::rank;
  const T* p;
  constexpr T operator[](std::size_t i) const { return p[i]; }
  constexpr T at(std::size_t o, std::size_t j) const { return p[o + j]; }
  constexpr const T* data() const { return p; }
};

// Where an operation writes its part of an operand's gradient.
template <class T, class Shape, bool Accumulate>
struct adjoint_sink {
  using value_type = T;
  using shape_type = Shape;
  static constexpr std::size_t extent = Shape::size;
  static constexpr std::size_t rank = Shape::rank;
  static constexpr bool accumulates = Accumulate;  // false: this is the adjoint's first contribution
  T* p;
  constexpr void put(std::size_t i, T v) const {
    if constexpr (Accumulate)
      p[i] += v;
    else
      p[i] = v;
  }
  constexpr T* data() const { return p; }
};

namespace detail {

template <class T, std::size_t... D>
constexpr dense_view<T, shape<D...>> as_view(const tensor<T, D...>& t) {
  return {t.data()};
}
template <class V>
constexpr const V& as_view(const V& view) {
  return view;
}

template <bool Accumulate, class T, std::size_t... D>
constexpr adjoint_sink<T, shape<D...>, Accumulate> as_sink(tensor<T, D...>& t) {
  return {t.data()};
}

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

// Calls f(o, j) for every element o + j of a tensor of this shape, row by row.
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

}  // namespace detail
}  // namespace ctgrad

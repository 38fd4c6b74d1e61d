// What an operation reads and writes (the operation contract, operation.hpp).
//
// Operands, an operation's own value y and its adjoint dy come as read-only views:
//   x[i]          element i, row-major
//   x.at(o, j)    element o + j, where o is a multiple of the row length R (the last
//                 dimension) and j < R: a broadcast operand of extent R is then read at j,
//                 with no modulo, so loops over [B, N] with a bias [N] vectorise
//   x.data()      a pointer to the elements, for kernels; only a stored operand has one
//                 (every operand of an operation that does not declare reads_once is)
//   x.size()      the number of elements (a compile-time constant for a static shape)
//   X::value_type, X::shape_type, X::rank
// A fused operand (engine/fusion.hpp) is a view that computes each element where it is read.
// A view of a dynamic shape (shape<dyn, ...>, core/shape.hpp) also has x.rows(); its size()
// is known at run time only. The value an operation fills is a tensor, or for a dynamic
// shape a tensor_span (data(), flat(i), size(), rows()).
//
// An operation writes its part of operand K's gradient through an adjoint_sink:
//   dx.put(i, v)  the engine assigns the first contribution to an adjoint and adds the later
//                 ones (engine/schedule.hpp decides which); put() does what this one needs
//   dx.data(), dx.size(), DX::accumulates   for kernels that add into memory themselves
#pragma once

#include <cstddef>

#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/math/summation.hpp"

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
  static constexpr std::size_t size() { return extent; }
};
// ... and one of a dynamic shape, with its rows
template <class T, std::size_t... D>
struct dense_view<T, shape<dyn, D...>> {
  using value_type = T;
  using shape_type = shape<dyn, D...>;
  static constexpr std::size_t extent = dyn;
  static constexpr std::size_t rank = 1 + sizeof...(D);
  const T* p;
  std::size_t n;  // rows
  constexpr T operator[](std::size_t i) const { return p[i]; }
  constexpr T at(std::size_t o, std::size_t j) const { return p[o + j]; }
  constexpr const T* data() const { return p; }
  constexpr std::size_t rows() const { return n; }
  constexpr std::size_t size() const { return n * shape_type::row_size; }
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
  static constexpr std::size_t size() { return extent; }
};
template <class T, std::size_t... D, bool Accumulate>
struct adjoint_sink<T, shape<dyn, D...>, Accumulate> {
  using value_type = T;
  using shape_type = shape<dyn, D...>;
  static constexpr std::size_t extent = dyn;
  static constexpr std::size_t rank = 1 + sizeof...(D);
  static constexpr bool accumulates = Accumulate;
  T* p;
  std::size_t n;  // rows
  constexpr void put(std::size_t i, T v) const {
    if constexpr (Accumulate)
      p[i] += v;
    else
      p[i] = v;
  }
  constexpr T* data() const { return p; }
  constexpr std::size_t rows() const { return n; }
  constexpr std::size_t size() const { return n * shape_type::row_size; }
};

// A stored value of a dynamic shape, writable: where a workspace keeps it (its elements
// are the workspace's; the workspace sets p when it allocates and n each evaluation).
template <class T, class Shape>
struct tensor_span {
  using value_type = T;
  using shape_type = Shape;
  static constexpr std::size_t rank = Shape::rank;
  T* p = nullptr;
  std::size_t n = 0;  // rows
  constexpr T* data() const { return p; }
  constexpr T& flat(std::size_t i) const { return p[i]; }
  constexpr std::size_t rows() const { return n; }
  constexpr std::size_t size() const { return n * Shape::row_size; }
  constexpr T* begin() const { return p; }
  constexpr T* end() const { return p + size(); }
};

namespace detail {

template <class T, std::size_t... D>
constexpr dense_view<T, shape<D...>> as_view(const tensor<T, D...>& t) {
  if constexpr (shape<D...>::dynamic)
    return {t.data(), t.rows()};
  else
    return {t.data()};
}
template <class T, class Shape>
constexpr dense_view<T, Shape> as_view(const tensor_span<T, Shape>& t) {
  return {t.p, t.n};
}
template <class V>
constexpr const V& as_view(const V& view) {
  return view;
}

template <bool Accumulate, class T, std::size_t... D>
constexpr adjoint_sink<T, shape<D...>, Accumulate> as_sink(tensor<T, D...>& t) {
  return {t.data()};
}
template <bool Accumulate, class T, class Shape>
constexpr adjoint_sink<T, Shape, Accumulate> as_sink(const tensor_span<T, Shape>& t) {
  return {t.p, t.n};
}

// the row length of a shape: its last dimension (1 for a scalar; a dynamic vector is one
// row of its size, known at run time: dyn here)
template <class Shape>
inline constexpr std::size_t row_length = Shape::rank == 0 ? 1 : Shape::dim(Shape::rank - 1);

// element (o, j) of an output of shape Out, read from an operand x that is either full-size
// or broadcast over the output's leading dimensions (one of the trailing ones of Out; a
// dynamic operand is full-size: dyn is only ever the first dimension)
template <class Out, class X>
constexpr auto broadcast_at(const X& x, std::size_t o, std::size_t j) {
  using XS = typename X::shape_type;
  if constexpr (XS::dynamic || XS::size == Out::size)
    return x.at(o, j);
  else if constexpr (XS::size == 1)
    return x.at(0, 0);
  else if constexpr (XS::size == row_length<Out>)
    return x.at(0, j);
  else
    return x[(o + j) % XS::size];
}

// Calls f(o, j) for every element o + j of a value of this shape and `size` elements, row
// by row (a static shape's size is a constant, so its loops are the compile-time ones).
template <class Shape, class F>
constexpr void for_each_index(std::size_t size, F&& f) {
  if constexpr (Shape::rank == 1 && Shape::dynamic) {
    for (std::size_t j = 0; j < size; ++j) f(std::size_t{0}, j);
  } else {
    constexpr std::size_t R = row_length<Shape>;
    if constexpr (!Shape::dynamic && R == Shape::size) {
      for (std::size_t j = 0; j < R; ++j) f(std::size_t{0}, j);
    } else {
      for (std::size_t o = 0; o < size; o += R)
        for (std::size_t j = 0; j < R; ++j) f(o, j);
    }
  }
}

// The gradient of an operand broadcast over an output y (a static operand of fewer elements):
// grad(o, j) of every output element summed into the operand element it was read from.
template <class DX, class Y, class G>
constexpr void sum_over_repeats(const DX& dx, const Y& y, G&& grad) {
  using S = typename Y::shape_type;
  constexpr std::size_t nx = DX::extent, R = row_length<S>;
  if constexpr (nx == 1) {
    // a broadcast scalar: the sum of all contributions, in partial sums (math/summation.hpp),
    // row by row where there are rows
    using T = typename DX::value_type;
    if constexpr ((S::rank == 1 && S::dynamic) || (!S::dynamic && R == S::size)) {
      dx.put(0, math::sum_of<T>(y.size(), [&](std::size_t j) { return grad(std::size_t{0}, j); }));
    } else {
      T s{};
      for (std::size_t o = 0; o < y.size(); o += R) s += math::sum_of<T>(R, [&](std::size_t j) { return grad(o, j); });
      dx.put(0, s);
    }
  } else {
    auto* dxp = dx.data();
    if constexpr (!DX::accumulates)
      for (std::size_t i = 0; i < nx; ++i) dxp[i] = {};
    for_each_index<S>(y.size(), [&](std::size_t o, std::size_t j) { dxp[nx == R ? j : (o + j) % nx] += grad(o, j); });
  }
}

}  // namespace detail
}  // namespace ctgrad

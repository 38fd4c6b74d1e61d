// Axes, for the operations that work along one (reductions, softmax, slices, joins): an
// axis is an int, negative from the end as in NumPy and PyTorch (-1 the last), and a value
// of shape S seen along axis A is outer x n x inner: `outer` lines of n elements each, the
// elements of a line `inner` apart. A dynamic first dimension is the rows, known at run time.
#pragma once

#include <cstddef>
#include <utility>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"

namespace ctgrad {

// The axis argument of sum, max, ... that means every axis at once.
inline constexpr int all_axes = -1000;

namespace detail {

// axis A of a rank-R shape, counted from the front (R when it is out of range)
template <std::size_t R, int A>
inline constexpr std::size_t axis_index = (A >= 0 && A < static_cast<int>(R))    ? static_cast<std::size_t>(A)
                                          : (A < 0 && A >= -static_cast<int>(R)) ? static_cast<std::size_t>(static_cast<int>(R) + A)
                                                                                 : R;

template <int A>
constexpr auto axis_string() {
  if constexpr (A < 0)
    return fixed_string("-") + to_fixed_string<static_cast<std::size_t>(-A)>();
  else
    return to_fixed_string<static_cast<std::size_t>(A)>();
}

// "" if A is an axis of S, else the reason
template <class S, int A>
constexpr auto axis_problem() {
  if constexpr (axis_index<S::rank, A> == S::rank)
    return fixed_string("axis ") + axis_string<A>() + fixed_string(" is not an axis of ") + shape_string(S{});
  else
    return fixed_string("");
}

// S without axis A, and S with an axis of extent N inserted before position A
template <class S, std::size_t A, class I = std::make_index_sequence<S::rank - 1>>
struct without_axis_t;
template <class S, std::size_t A, std::size_t... I>
struct without_axis_t<S, A, std::index_sequence<I...>> {
  using type = shape<S::dim(I < A ? I : I + 1)...>;
};
template <class S, std::size_t A>
using without_axis = typename without_axis_t<S, A>::type;

template <class S, std::size_t A, std::size_t N, class I = std::make_index_sequence<S::rank + 1>>
struct with_axis_t;
template <class S, std::size_t A, std::size_t N, std::size_t... I>
struct with_axis_t<S, A, N, std::index_sequence<I...>> {
  using type = shape<(I == A ? N : S::dim(I < A ? I : I - 1))...>;
};
template <class S, std::size_t A, std::size_t N>
using with_axis = typename with_axis_t<S, A, N>::type;

// S with axis A's extent replaced by N
template <class S, std::size_t A, std::size_t N, class I = std::make_index_sequence<S::rank>>
struct resized_axis_t;
template <class S, std::size_t A, std::size_t N, std::size_t... I>
struct resized_axis_t<S, A, N, std::index_sequence<I...>> {
  using type = shape<(I == A ? N : S::dim(I))...>;
};
template <class S, std::size_t A, std::size_t N>
using resized_axis = typename resized_axis_t<S, A, N>::type;

// the product of the static dimensions [from, to) of S
template <class S>
constexpr std::size_t dims_product(std::size_t from, std::size_t to) {
  std::size_t p = 1;
  for (std::size_t i = from; i < to; ++i) p *= S::dim(i) == dyn ? 1 : S::dim(i);
  return p;
}

// A value of shape S and `size` elements seen along axis A (all_axes: one line of every element).
struct lines {
  std::size_t outer, n, inner;
};
template <class S, std::size_t A>
constexpr lines lines_of(std::size_t size) {
  if constexpr (A == S::rank || S::rank == 0) {
    return {1, size, 1};
  } else {
    constexpr std::size_t inner = dims_product<S>(A + 1, S::rank);
    const std::size_t rows = S::dynamic ? size / S::row_size : 1;  // (row_size is never 0)
    const std::size_t n = S::dynamic && A == 0 ? rows : S::dim(A);
    const std::size_t outer = A == 0 ? 1 : dims_product<S>(0, A) * rows;
    return {outer, n, inner};
  }
}

// f(line, base, stride, n) for every line of a value of shape S along axis A: its elements
// are base + k * stride for k < n, and `line` counts the lines (the index of the element a
// reduction along A makes of it)
template <class S, std::size_t A, class F>
constexpr void for_each_line(std::size_t size, F&& f) {
  const lines l = lines_of<S, A>(size);
  for (std::size_t o = 0; o < l.outer; ++o)
    for (std::size_t i = 0; i < l.inner; ++i) f(o * l.inner + i, o * l.n * l.inner + i, l.inner, l.n);
}

// one line of a view, read as a sequence
template <class X>
struct line_view {
  const X& x;
  std::size_t base, stride, n;
  constexpr auto operator[](std::size_t k) const { return x[base + k * stride]; }
  constexpr std::size_t size() const { return n; }
};

}  // namespace detail
}  // namespace ctgrad

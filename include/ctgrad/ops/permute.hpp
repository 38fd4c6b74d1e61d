// transpose<I, J>(x): x with axes I and J swapped (any rank; negative axes count from the
// end). A dyn batch stays first, so it is swapped with nothing. (transpose(x) of a matrix,
// ops/linalg.hpp, has the value of transpose<0, 1>(x), and a product reads it in place.)
//
// With I < J the value is five nested loops, outer x I x middle x J x inner, written with
// the two swapped; the VJP is the same swap back.
#pragma once

#include <cstddef>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/ops/axis.hpp"
#include "ctgrad/ops/gather.hpp"

namespace ctgrad {
namespace op {

template <int I, int J>
struct swap_axes : detail::gathers<swap_axes<I, J>> {
  static constexpr auto name = fixed_string("transpose");

  template <class S>
  static constexpr std::size_t lo = detail::axis_index<S::rank, I> < detail::axis_index<S::rank, J> ? detail::axis_index<S::rank, I>
                                                                                                  : detail::axis_index<S::rank, J>;
  template <class S>
  static constexpr std::size_t hi = detail::axis_index<S::rank, I> < detail::axis_index<S::rank, J> ? detail::axis_index<S::rank, J>
                                                                                                  : detail::axis_index<S::rank, I>;
  template <class S>
  static constexpr auto check() {
    if constexpr (detail::axis_problem<S, I>().length() != 0)
      return detail::axis_problem<S, I>();
    else if constexpr (detail::axis_problem<S, J>().length() != 0)
      return detail::axis_problem<S, J>();
    else if constexpr (S::dynamic && lo<S> == 0 && hi<S> != 0)
      return fixed_string("the dyn batch of ") + shape_string(S{}) + fixed_string(" stays the first axis");
    else
      return fixed_string("");
  }
  template <class S, class Seq = std::make_index_sequence<S::rank>>
  struct swapped;
  template <class S, std::size_t... K>
  struct swapped<S, std::index_sequence<K...>> {
    using type = shape<S::dim(K == lo<S> ? hi<S> : K == hi<S> ? lo<S> : K)...>;
  };
  template <class S>
  using result_shape = typename swapped<S>::type;

  static constexpr bool one_to_one = true;
  template <class S, class F>
  static constexpr void each(std::size_t size, F&& f) {
    constexpr std::size_t a = lo<S>, b = hi<S>;
    if constexpr (a == b) {
      for (std::size_t i = 0; i < size; ++i) f(i, i);
    } else {
      constexpr std::size_t na = S::dim(a), nb = S::dim(b);
      constexpr std::size_t mid = detail::dims_product<S>(a + 1, b), inner = detail::dims_product<S>(b + 1, S::rank);
      const std::size_t outer = size / (na * mid * nb * inner);  // (a dyn batch is never swapped)
      for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t i = 0; i < na; ++i)
          for (std::size_t m = 0; m < mid; ++m)
            for (std::size_t j = 0; j < nb; ++j)
              for (std::size_t r = 0; r < inner; ++r)
                f((((o * na + i) * mid + m) * nb + j) * inner + r, (((o * nb + j) * mid + m) * na + i) * inner + r);
    }
  }
};

}  // namespace op

template <int I, int J, detail::unary_operand X>
constexpr result_t<op::swap_axes<I, J>, X> transpose(const X& x) {
  return detail::make_node(op::swap_axes<I, J>{}, x);
}

}  // namespace ctgrad

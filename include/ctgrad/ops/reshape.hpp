// The same elements in the same (row-major) order, under another shape:
//
//   reshape<D...>(x)   to shape<D...> of as many elements (a dyn first dimension stays the
//                      first, with as many elements per row: reshape<dyn, 4, 2> of [dyn, 8])
//   flatten(x)         to one dimension; flatten<S>(x) merges axes S... only (flatten<1>
//                      keeps a batch)
//   squeeze(x)         without its axes of extent 1; squeeze<A>(x) without axis A, which must be 1
//   unsqueeze<A>(x)    with an axis of extent 1 inserted at A (-1: after the last)
//
// One operation (ops/gather.hpp): a copy forward, a copy of the gradient back. The kinds
// differ only in the shape they make and the mistakes they name.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/ops/axis.hpp"
#include "ctgrad/ops/gather.hpp"

namespace ctgrad {

namespace detail {

// a kind: its name, problem<S>() ("" if it applies to shape S) and result<S>
template <std::size_t... D>
struct to_shape {
  static constexpr auto name = fixed_string("reshape");
  using target = shape<D...>;
  template <class S>
  static constexpr auto problem() {
    if constexpr (S::dynamic != target::dynamic || (target::dynamic && !target::leading_dynamic))
      return shape_string(S{}) + fixed_string(" cannot become ") + shape_string(target{}) +
             fixed_string(": a dyn first dimension stays the first, and a static shape stays static");
    else if constexpr (S::dynamic && S::row_size != target::row_size)
      return shape_string(S{}) + fixed_string(" and ") + shape_string(target{}) + fixed_string(" have rows of different sizes");
    else if constexpr (!S::dynamic && S::size != target::size)
      return shape_string(S{}) + fixed_string(" and ") + shape_string(target{}) +
             fixed_string(" have different numbers of elements");
    else
      return fixed_string("");
  }
  template <class S>
  using result = target;
};

template <std::size_t Start>
struct flattened {
  static constexpr auto name = fixed_string("flatten");
  template <class S>
  static constexpr auto problem() {
    if constexpr (S::rank == 0 ? Start > 0 : Start >= S::rank)
      return fixed_string("axis ") + to_fixed_string<Start>() + fixed_string(" is not an axis of ") + shape_string(S{});
    else if constexpr (S::dynamic && Start == 0 && S::rank > 1)
      return shape_string(S{}) + fixed_string(" would merge its dyn batch with the other axes (flatten<1> keeps the batch)");
    else
      return fixed_string("");
  }
  template <class S, class I = std::make_index_sequence<Start>>
  struct result_t;
  template <class S, std::size_t... I>
  struct result_t<S, std::index_sequence<I...>> {
    using type = shape<S::dim(I)..., (S::rank == 0 ? 1 : (S::dynamic && Start == 0 ? dyn : dims_product<S>(Start, S::rank)))>;
  };
  template <class S>
  using result = typename result_t<S>::type;
};

template <int A>
struct squeezed {
  static constexpr auto name = fixed_string("squeeze");
  template <class S>
  static constexpr auto problem() {
    if constexpr (A == all_axes)
      return fixed_string("");
    else if constexpr (axis_problem<S, A>().length() != 0)
      return axis_problem<S, A>();
    else if constexpr (S::dim(axis_index<S::rank, A>) != 1)
      return fixed_string("axis ") + axis_string<A>() + fixed_string(" of ") + shape_string(S{}) +
             fixed_string(" has extent ") + dim_string<S::dim(axis_index<S::rank, A>)>() + fixed_string(", not 1");
    else
      return fixed_string("");
  }
  // every axis of extent 1 dropped, one at a time
  template <class S, std::size_t From = 0, bool Done = (From == S::rank)>
  struct all_t {
    using type = S;
  };
  template <class S, std::size_t From>
  struct all_t<S, From, false>
      : std::conditional_t<S::dim(From) == 1, all_t<without_axis<S, From>, From>, all_t<S, From + 1>> {};
  template <class S, bool All = (A == all_axes)>
  struct result_t {
    using type = typename all_t<S>::type;
  };
  template <class S>
  struct result_t<S, false> {
    using type = without_axis<S, axis_index<S::rank, A>>;
  };
  template <class S>
  using result = typename result_t<S>::type;
};

template <int A>
struct unsqueezed {
  static constexpr auto name = fixed_string("unsqueeze");
  // the insertion point of a shape of rank R: 0..R, -1 is R
  template <std::size_t R>
  static constexpr std::size_t at = axis_index<R + 1, A>;
  template <class S>
  static constexpr auto problem() {
    if constexpr (at<S::rank> == S::rank + 1)
      return fixed_string("axis ") + axis_string<A>() + fixed_string(" is not a place to insert one in ") + shape_string(S{});
    else if constexpr (S::dynamic && at<S::rank> == 0)
      return fixed_string("an axis before the dyn batch of ") + shape_string(S{}) +
             fixed_string(" would put dyn after the first dimension");
    else
      return fixed_string("");
  }
  template <class S>
  using result = with_axis<S, at<S::rank>, 1>;
};

}  // namespace detail

namespace op {

template <class Kind>
struct reshape : detail::gathers<reshape<Kind>> {
  static constexpr auto name = Kind::name;
  template <class S>
  static constexpr auto check() {
    return Kind::template problem<S>();
  }
  template <class S>
  using result_shape = typename Kind::template result<S>;

  static constexpr bool one_to_one = true;
  template <class S, class F>
  static constexpr void each(std::size_t size, F&& f) {
    for (std::size_t i = 0; i < size; ++i) f(i, i);
  }
};

}  // namespace op

template <std::size_t... D, detail::unary_operand X>
constexpr result_t<op::reshape<detail::to_shape<D...>>, X> reshape(const X& x) {
  return detail::make_node(op::reshape<detail::to_shape<D...>>{}, x);
}
template <std::size_t Start = 0, detail::unary_operand X>
constexpr result_t<op::reshape<detail::flattened<Start>>, X> flatten(const X& x) {
  return detail::make_node(op::reshape<detail::flattened<Start>>{}, x);
}
template <int A = all_axes, detail::unary_operand X>
constexpr result_t<op::reshape<detail::squeezed<A>>, X> squeeze(const X& x) {
  return detail::make_node(op::reshape<detail::squeezed<A>>{}, x);
}
template <int A, detail::unary_operand X>
constexpr result_t<op::reshape<detail::unsqueezed<A>>, X> unsqueeze(const X& x) {
  return detail::make_node(op::reshape<detail::unsqueezed<A>>{}, x);
}

}  // namespace ctgrad

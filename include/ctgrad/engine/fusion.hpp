// Fusion: a step that is not stored, computed where it is read.
//
// A fusable elementwise step (its function declares `fusable`, operation.hpp) whose value has
// one consumer, reading each element once (reads_once), gets no value slot and no adjoint
// slot (engine/schedule.hpp decides, at compile time). Its consumer reads it through a lazy
// view that computes each element on the spot, so sum(-0.5 * square(y - mu)) runs as one
// loop and stores nothing in between; its adjoint is a lazy view of its consumer's
// element-wise vjp (vjp_at).
#pragma once

#include <boost/hana/at.hpp>
#include <boost/hana/basic_tuple.hpp>
#include <boost/hana/unpack.hpp>
#include <cstddef>
#include <type_traits>

#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/view.hpp"

namespace ctgrad::detail {

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
  constexpr std::size_t size() const { return a.size(); }
};

// Whether the binary function Fn, its operand B one number broadcast over an output of
// Shape, has a form for that: fn.by_scalar(b) with value(a), da(a, y), db(a, y), which does
// the work that depends on b alone once (a division becomes a multiply: fn::div).
template <class Fn, class Shape, class B>
concept scalar_b_form = B::extent == 1 && Shape::rank > 0 && !B::shape_type::dynamic &&
                        requires(const Fn& f, typename B::value_type b) { f.by_scalar(b); };

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
    if constexpr (scalar_b_form<Fn, Shape, B>)
      return fn.by_scalar(b[0]).value(a[A::extent == extent ? i : i % A::extent]);
    else
      return fn.value(a[A::extent == extent ? i : i % A::extent], b[B::extent == extent ? i : i % B::extent]);
  }
  constexpr T at(std::size_t o, std::size_t j) const {
    if constexpr (scalar_b_form<Fn, Shape, B>)
      return fn.by_scalar(b.at(0, 0)).value(broadcast_at<Shape>(a, o, j));
    else
      return fn.value(broadcast_at<Shape>(a, o, j), broadcast_at<Shape>(b, o, j));
  }
  // the size of the full-size operand
  constexpr std::size_t size() const {
    if constexpr (std::is_same_v<typename A::shape_type, Shape> || A::extent == extent)
      return a.size();
    else
      return b.size();
  }
};

// The adjoint of a fused step, from its one consumer: element (o, j) is the consumer's
// vjp_at for its operand K there, given the consumer's own adjoint, value and operands.
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
    if constexpr (Shape::rank == 1 && Shape::dynamic) {
      return at(0, i);
    } else {
      constexpr std::size_t R = row_length<Shape>;
      return at(i - i % R, i % R);
    }
  }
  // the size of operand K, whose adjoint this is
  constexpr std::size_t size() const { return boost::hana::at_c<K>(x).size(); }
};

}  // namespace ctgrad::detail

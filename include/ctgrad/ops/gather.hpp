// What reshape, transpose<I, J>, broadcast_to and slice share: a value made of elements of the
// operand, moved. An operation derives from detail::gathers<Op> and says which elements go
// where with each<S>(size, f), which calls f(from, to) for every element of the value: its
// index in the operand (of shape S and `size` elements) and in the value. The VJP sends each
// dy back where it came from, adding where several came from one element (broadcast_to).
// Op::one_to_one (every operand element used exactly once) makes it a plain write.
#pragma once

#include <cstddef>

namespace ctgrad::detail {

template <class Op>
struct gathers {
  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    auto* yp = y.data();
    Op::template each<typename X::shape_type>(x.size(), [&](std::size_t from, std::size_t to) { yp[to] = x[from]; });
  }
  template <std::size_t, class DX, class DY, class Y, class X>
  constexpr void vjp(const DX& dx, const DY& dy, const Y&, const X& x) const {
    using S = typename X::shape_type;
    if constexpr (Op::one_to_one) {
      Op::template each<S>(x.size(), [&](std::size_t from, std::size_t to) { dx.put(from, dy[to]); });
    } else {
      auto* dxp = dx.data();
      if constexpr (!DX::accumulates)
        for (std::size_t i = 0; i < x.size(); ++i) dxp[i] = {};
      Op::template each<S>(x.size(), [&](std::size_t from, std::size_t to) { dxp[from] += dy[to]; });
    }
  }
};

}  // namespace ctgrad::detail

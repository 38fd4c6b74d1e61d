// Convolution and pooling over images, NCHW: x [N, C, H, W] (N may be dyn).
//
//   conv2d<Stride = 1, Padding = 0, Dilation = 1>(x, w)      w [O, C, KH, KW] -> [N, O, OH, OW]
//   conv2d<...>(x, w, b)                                     with a bias b [O]
//   max_pool2d<K, Stride = K>(x), avg_pool2d<K, Stride = K>(x)   -> [N, C, OH, OW]
//
// OH = (H + 2 Padding - Dilation (KH - 1) - 1) / Stride + 1, rounded down as PyTorch does;
// padding is zeros. A pool's windows must tile the input exactly ((H - K) divisible by the
// stride): a window that would hang over the edge is refused rather than silently dropped.
//
// conv2d is two nodes: its patches (im2col: [N, C KH KW, OH, OW], for each tap the input
// it reads at every output position, zeros where it reaches into the padding) and one
// matrix product per image with the weight seen as [O, C KH KW], through the product
// kernels (and BLAS where the build has it). Taps by positions, rather than windows as
// rows, makes every inner loop run along OW contiguous outputs. The patches are a stored value like any other, so the backward pass is the product's
// VJPs and, for x, each window's gradient added back where it was read (col2im).
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/kernels/gemm.hpp"
#include "ctgrad/math/summation.hpp"

namespace ctgrad {
namespace detail {

// the rows of an operand: a dyn batch is the view's, else the shape's first dimension
template <class X>
constexpr std::size_t batch_of(const X& x) {
  if constexpr (X::shape_type::dynamic)
    return x.rows();
  else
    return X::shape_type::dim(0);
}

// where a window of Kernel taps, Dilation apart, at Stride, fits Extent + 2 Padding
template <std::size_t Extent, std::size_t Kernel, std::size_t Stride, std::size_t Padding, std::size_t Dilation>
struct conv_axis {
  static constexpr std::size_t span = Dilation * (Kernel - 1) + 1;
  static constexpr std::size_t padded = Extent + 2 * Padding;
  static constexpr bool fits = span <= padded;
  static constexpr std::size_t out = fits ? (padded - span) / Stride + 1 : 1;
  // the input index of tap k of output o, or a value >= Extent where it reads padding
  static constexpr std::size_t input(std::size_t o, std::size_t k) {
    return o * Stride + k * Dilation - Padding;  // unsigned: a tap left of 0 wraps past Extent
  }
  // the outputs [first_inside(k), end_inside(k)) whose tap k reads inside the input
  static constexpr std::size_t first_inside(std::size_t k) {
    const std::size_t first = k * Dilation >= Padding ? 0 : (Padding - k * Dilation + Stride - 1) / Stride;
    return first < out ? first : out;
  }
  static constexpr std::size_t end_inside(std::size_t k) {
    if (Extent + Padding <= k * Dilation) return first_inside(k);
    const std::size_t end = (Extent - 1 + Padding - k * Dilation) / Stride + 1;
    return end < out ? (end > first_inside(k) ? end : first_inside(k)) : out;
  }
};

template <class W>
struct shape_or_empty {
  using type = shape<>;
};
template <class W>
  requires requires { typename W::shape_type; }
struct shape_or_empty<W> {
  using type = typename W::shape_type;
};

}  // namespace detail

namespace op {

// im2col of x for a weight of shape WShape (which it checks against x)
template <std::size_t Stride, std::size_t Padding, std::size_t Dilation, class WShape>
struct conv_patches {
  static constexpr auto name = fixed_string("conv2d");
  template <class X>
  using rows = detail::conv_axis<X::dim(2), WShape::dim(2), Stride, Padding, Dilation>;
  template <class X>
  using cols = detail::conv_axis<X::dim(3), WShape::dim(3), Stride, Padding, Dilation>;

  template <class X>
  static constexpr auto check() {
    if constexpr (Stride == 0 || Dilation == 0)
      return fixed_string("stride and dilation must be at least 1, got stride ") + detail::to_fixed_string<Stride>() +
             fixed_string(" and dilation ") + detail::to_fixed_string<Dilation>();
    else if constexpr (X::rank != 4)
      return fixed_string("needs an input [N, C, H, W], got ") + shape_string(X{});
    else if constexpr (WShape::rank != 4 || WShape::dynamic)
      return fixed_string("needs a weight [O, C, KH, KW], got ") + shape_string(WShape{});
    else if constexpr (X::dim(1) != WShape::dim(1))
      return fixed_string("the input ") + shape_string(X{}) + fixed_string(" has ") + detail::to_fixed_string<X::dim(1)>() +
             fixed_string(" channels, the weight ") + shape_string(WShape{}) + fixed_string(" takes ") +
             detail::to_fixed_string<WShape::dim(1)>();
    else if constexpr (!rows<X>::fits || !cols<X>::fits)
      return fixed_string("the kernel ") + detail::to_fixed_string<WShape::dim(2)>() + fixed_string("x") +
             detail::to_fixed_string<WShape::dim(3)>() + fixed_string(" spans ") + detail::to_fixed_string<rows<X>::span>() +
             fixed_string("x") + detail::to_fixed_string<cols<X>::span>() + fixed_string(" (dilation ") +
             detail::to_fixed_string<Dilation>() + fixed_string("), more than the padded input ") +
             detail::to_fixed_string<rows<X>::padded>() + fixed_string("x") + detail::to_fixed_string<cols<X>::padded>() +
             fixed_string(" of ") + shape_string(X{}) + fixed_string(" with padding ") + detail::to_fixed_string<Padding>();
    else
      return fixed_string("");
  }
  template <class X>
  using result_shape = shape<X::dim(0), X::dim(1) * WShape::dim(2) * WShape::dim(3), rows<X>::out, cols<X>::out>;

  // f(src, dst, lo, hi): the patch row of OW outputs at dst reads x[src + ow Stride] for ow
  // in [lo, hi) and padding elsewhere. src may wrap below 0 (unsigned); src + lo Stride
  // does not.
  template <class X, class F>
  static constexpr void each_row(std::size_t n_images, F&& f) {
    using R = rows<X>;
    using Cl = cols<X>;
    constexpr std::size_t C = X::dim(1), H = X::dim(2), W = X::dim(3), KH = WShape::dim(2), KW = WShape::dim(3);
    std::size_t dst = 0;
    for (std::size_t n = 0; n < n_images; ++n)
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t kh = 0; kh < KH; ++kh)
          for (std::size_t kw = 0; kw < KW; ++kw)
            for (std::size_t oh = 0; oh < R::out; ++oh, dst += Cl::out) {
              const std::size_t ih = R::input(oh, kh);
              if (ih < H)
                f(((n * C + c) * H + ih) * W + Cl::input(0, kw), dst, Cl::first_inside(kw), Cl::end_inside(kw));
              else
                f(std::size_t{0}, dst, std::size_t{0}, std::size_t{0});
            }
  }

  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    using T = typename X::value_type;
    constexpr std::size_t OW = cols<typename X::shape_type>::out;
    T* out = y.data();
    const T* in = x.data();
    each_row<typename X::shape_type>(detail::batch_of(x), [&](std::size_t src, std::size_t dst, std::size_t lo, std::size_t hi) {
      T* o = out + dst;
      for (std::size_t ow = 0; ow < lo; ++ow) o[ow] = T{};
      for (std::size_t ow = lo; ow < hi; ++ow) o[ow] = in[src + ow * Stride];
      for (std::size_t ow = hi; ow < OW; ++ow) o[ow] = T{};
    });
  }
  template <std::size_t, class DX, class DY, class Y, class X>
  constexpr void vjp(const DX& dx, const DY& dy, const Y&, const X& x) const {
    auto* g = dx.data();
    const auto* d = dy.data();
    if constexpr (!DX::accumulates)
      for (std::size_t i = 0; i < dx.size(); ++i) g[i] = {};
    each_row<typename X::shape_type>(detail::batch_of(x), [&](std::size_t src, std::size_t dst, std::size_t lo, std::size_t hi) {
      for (std::size_t ow = lo; ow < hi; ++ow) g[src + ow * Stride] += d[dst + ow];
    });
  }
};

// Per image: y [O, OH OW] = w [O, C KH KW] p (+ b), from patches p [C KH KW, OH OW].
// The forward product and p's gradient have few rows against long rows of positions, so
// they take the outer-product loops (gemm_rows); w's gradient, dot products along the
// positions summed over the images, takes gemm_dots.
struct conv_product {
  static constexpr auto name = fixed_string("conv2d");
  template <class P, class W, class... B>
  static constexpr auto check() {
    if constexpr (P::rank != 4 || W::rank != 4 || P::dim(1) != W::dim(1) * W::dim(2) * W::dim(3))
      return fixed_string("patches ") + shape_string(P{}) + fixed_string(" do not fit the weight ") + shape_string(W{});
    else if constexpr (sizeof...(B) == 1 && !(std::is_same_v<B, shape<W::dim(0)>> && ...))
      return fixed_string("the bias must be [") + detail::to_fixed_string<W::dim(0)>() + fixed_string("] for the weight ") +
             shape_string(W{}) + fixed_string(", got ") + (shape_string(B{}) + ...);
    else
      return fixed_string("");
  }
  template <class P, class W, class... B>
  using result_shape = shape<P::dim(0), W::dim(0), P::dim(2), P::dim(3)>;

  template <class P, class W>
  struct sizes {
    static constexpr std::size_t O = W::dim(0), positions = P::dim(2) * P::dim(3), taps = P::dim(1);
  };

  template <class Y, class P, class W, class... B>
  constexpr void forward(Y& y, const P& p, const W& w, const B&... b) const {
    using Z = sizes<typename P::shape_type, typename W::shape_type>;
    const std::size_t n_images = detail::batch_of(p);
    for (std::size_t n = 0; n < n_images; ++n) {
      auto* yn = y.data() + n * Z::O * Z::positions;
      detail::gemm_rows<false, false>(Z::O, Z::positions, Z::taps, w.data(), p.data() + n * Z::taps * Z::positions, yn);
      if constexpr (sizeof...(B) == 1)
        for (std::size_t o = 0; o < Z::O; ++o) {
          const auto bias = (b[o], ...);
          for (std::size_t i = 0; i < Z::positions; ++i) yn[o * Z::positions + i] += bias;
        }
    }
  }

  template <std::size_t K, class DX, class DY, class Y, class P, class W, class... B>
  constexpr void vjp(const DX& dx, const DY& dy, const Y&, const P& p, const W& w, const B&...) const {
    using Z = sizes<typename P::shape_type, typename W::shape_type>;
    constexpr bool add = DX::accumulates;
    const std::size_t n_images = detail::batch_of(p);
    const auto* d = dy.data();
    if constexpr (K == 0) {  // dp_n [C KH KW, OH OW] = w^T dy_n
      for (std::size_t n = 0; n < n_images; ++n)
        detail::gemm_rows<true, add>(Z::taps, Z::positions, Z::O, w.data(), d + n * Z::O * Z::positions,
                                     dx.data() + n * Z::taps * Z::positions);
    } else if constexpr (K == 1) {  // dw [O, C KH KW] = sum over n of dy_n p_n^T
      detail::gemm_dots<add>(Z::O, Z::taps, Z::positions, n_images, d, Z::O * Z::positions, p.data(), Z::taps * Z::positions,
                             dx.data());
    } else {  // db [O]: dy summed over images and positions
      using T = typename DY::value_type;
      for (std::size_t o = 0; o < Z::O; ++o) {
        T s{};
        for (std::size_t n = 0; n < n_images; ++n)
          s += math::sum_of<T>(Z::positions, [&](std::size_t i) { return d[(n * Z::O + o) * Z::positions + i]; });
        dx.put(o, s);
      }
    }
  }
};

// max or mean over K x K windows at Stride, per channel
template <std::size_t K, std::size_t Stride, bool Max>
struct pool2d {
  static constexpr auto name = fixed_string(Max ? "max_pool2d" : "avg_pool2d");
  template <class X>
  static constexpr auto check() {
    if constexpr (K == 0 || Stride == 0)
      return fixed_string("the window and the stride must be at least 1, got window ") + detail::to_fixed_string<K>() +
             fixed_string(" and stride ") + detail::to_fixed_string<Stride>();
    else if constexpr (X::rank != 4)
      return fixed_string("needs an input [N, C, H, W], got ") + shape_string(X{});
    else if constexpr (K > X::dim(2) || K > X::dim(3))
      return fixed_string("the window ") + detail::to_fixed_string<K>() + fixed_string("x") + detail::to_fixed_string<K>() +
             fixed_string(" is larger than the input ") + shape_string(X{});
    else if constexpr ((X::dim(2) - K) % Stride != 0 || (X::dim(3) - K) % Stride != 0)
      return fixed_string("windows of ") + detail::to_fixed_string<K>() + fixed_string(" at stride ") + detail::to_fixed_string<Stride>() +
             fixed_string(" do not tile the input ") + shape_string(X{}) +
             fixed_string(" (H - ") + detail::to_fixed_string<K>() + fixed_string(" and W - ") + detail::to_fixed_string<K>() +
             fixed_string(" must be multiples of the stride)");
    else
      return fixed_string("");
  }
  template <class X>
  using result_shape = shape<X::dim(0), X::dim(1), (X::dim(2) - K) / Stride + 1, (X::dim(3) - K) / Stride + 1>;

  // f(o, first): output o's window starts at input element `first`
  template <class X, class F>
  static constexpr void each(std::size_t planes, F&& f) {
    constexpr std::size_t H = X::dim(2), W = X::dim(3), OH = (H - K) / Stride + 1, OW = (W - K) / Stride + 1;
    std::size_t o = 0;
    for (std::size_t pl = 0; pl < planes; ++pl)
      for (std::size_t oh = 0; oh < OH; ++oh)
        for (std::size_t ow = 0; ow < OW; ++ow, ++o) f(o, (pl * H + oh * Stride) * W + ow * Stride);
  }
  template <class X>
  static constexpr std::size_t planes(const X& x) {
    return detail::batch_of(x) * X::shape_type::dim(1);
  }

  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    using T = typename X::value_type;
    using S = typename X::shape_type;
    constexpr std::size_t W = S::dim(3);
    T* out = y.data();
    each<S>(planes(x), [&](std::size_t o, std::size_t first) {
      T acc = x[first];
      for (std::size_t r = 0; r < K; ++r)
        for (std::size_t c = r == 0 ? 1 : 0; c < K; ++c) {
          const T v = x[first + r * W + c];
          if constexpr (Max)
            acc = (v > acc || v != v) && acc == acc ? v : acc;  // NaN wins, as in PyTorch
          else
            acc += v;
        }
      out[o] = Max ? acc : acc / T(K * K);
    });
  }
  template <std::size_t, class DX, class DY, class Y, class X>
  constexpr void vjp(const DX& dx, const DY& dy, const Y& y, const X& x) const {
    using T = typename X::value_type;
    using S = typename X::shape_type;
    constexpr std::size_t W = S::dim(3);
    auto* g = dx.data();
    if constexpr (!DX::accumulates)
      for (std::size_t i = 0; i < dx.size(); ++i) g[i] = {};
    each<S>(planes(x), [&](std::size_t o, std::size_t first) {
      if constexpr (Max) {  // all of dy to the first element that gave the maximum
        const T m = y[o];
        for (std::size_t i = 0; i < K * K; ++i) {
          const std::size_t at = first + (i / K) * W + i % K;
          if (x[at] == m || (m != m && x[at] != x[at])) {
            g[at] += dy[o];
            break;
          }
        }
      } else {
        const T share = dy[o] / T(K * K);
        for (std::size_t r = 0; r < K; ++r)
          for (std::size_t c = 0; c < K; ++c) g[first + r * W + c] += share;
      }
    });
  }
};

}  // namespace op

template <std::size_t Stride = 1, std::size_t Padding = 0, std::size_t Dilation = 1, detail::unary_operand X,
          detail::unary_operand W>
constexpr auto conv2d(const X& x, const W& w) {
  using patches_t = op::conv_patches<Stride, Padding, Dilation, typename detail::shape_or_empty<W>::type>;
  return detail::make_node(op::conv_product{}, detail::make_node(patches_t{}, x), w);
}
template <std::size_t Stride = 1, std::size_t Padding = 0, std::size_t Dilation = 1, detail::unary_operand X,
          detail::unary_operand W, detail::unary_operand B>
constexpr auto conv2d(const X& x, const W& w, const B& b) {
  using patches_t = op::conv_patches<Stride, Padding, Dilation, typename detail::shape_or_empty<W>::type>;
  return detail::make_node(op::conv_product{}, detail::make_node(patches_t{}, x), w, b);
}

template <std::size_t K, std::size_t Stride = K, detail::unary_operand X>
constexpr result_t<op::pool2d<K, Stride, true>, X> max_pool2d(const X& x) {
  return detail::make_node(op::pool2d<K, Stride, true>{}, x);
}
template <std::size_t K, std::size_t Stride = K, detail::unary_operand X>
constexpr result_t<op::pool2d<K, Stride, false>, X> avg_pool2d(const X& x) {
  return detail::make_node(op::pool2d<K, Stride, false>{}, x);
}

}  // namespace ctgrad

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
// conv2d is one node. Per image, its patches (im2col: [C KH KW, OH OW], for each tap the
// input it reads at every output position, zeros where it reaches into the padding) times
// the weight seen as [O, C KH KW] give the output; the backward pass is that product's
// VJPs and, for x, each patch element's gradient added back where it was read (col2im).
// Taps by positions, rather than windows as rows, makes every inner loop run along OW
// contiguous outputs.
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

// A run of a patch row is as long as an output row, often under a vector (10 in LeNet's
// second layer) and rarely a multiple of one: the runs move in chunks of 32 bytes, the last
// one overlapping the one before (a copy may write an element twice), instead of a call to
// memcpy or a scalar tail per run.
template <class T>
inline void copy_run(T* dst, const T* src, std::size_t n) {
  typedef T chunk __attribute__((vector_size(32)));
  constexpr std::size_t L = 32 / sizeof(T);
  if (n < L) {
    for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
    return;
  }
  chunk v;
  for (std::size_t i = 0; i + L < n; i += L) {
    __builtin_memcpy(&v, src + i, sizeof v);
    __builtin_memcpy(dst + i, &v, sizeof v);
  }
  __builtin_memcpy(&v, src + n - L, sizeof v);
  __builtin_memcpy(dst + n - L, &v, sizeof v);
}
template <class T>
inline void add_run(T* dst, const T* src, std::size_t n) {
  typedef T chunk __attribute__((vector_size(32)));
  constexpr std::size_t L = 32 / sizeof(T);
  std::size_t i = 0;
  for (; i + L <= n; i += L) {
    chunk a, b;
    __builtin_memcpy(&a, dst + i, sizeof a);
    __builtin_memcpy(&b, src + i, sizeof b);
    a += b;
    __builtin_memcpy(dst + i, &a, sizeof a);
  }
  for (; i < n; ++i) dst[i] += src[i];
}

// The patches of one image, im2col: row t of [C KH KW, OH OW] (a tap: channel c, kernel
// row kh and column kw) holds, at each output position, the input that tap reads there, or
// zero where it reads padding. They are made a block at a time, in a scratch buffer, as
// the products need them, and never stored: stored, LeNet's were 9 MB a batch and every
// pass over them went to memory.
template <class XShape, class WShape, std::size_t Stride, std::size_t Padding, std::size_t Dilation>
struct conv_geometry {
  using rows = conv_axis<XShape::dim(2), WShape::dim(2), Stride, Padding, Dilation>;
  using cols = conv_axis<XShape::dim(3), WShape::dim(3), Stride, Padding, Dilation>;
  static constexpr std::size_t C = XShape::dim(1), H = XShape::dim(2), W = XShape::dim(3);
  static constexpr std::size_t O = WShape::dim(0), KH = WShape::dim(2), KW = WShape::dim(3);
  static constexpr std::size_t OW = cols::out, taps = C * KH * KW, positions = rows::out * cols::out, image = C * H * W;

  // f(row, col, ow0, ow1, lo, hi, src) for each run of patch row t in [t0, t1) over the
  // positions [p0, p1) within one output row: the block's element (row, col + ow - ow0), for
  // ow in [ow0, ow1), reads the image at src + ow Stride for ow in [lo, hi) and padding
  // elsewhere. src may wrap below 0 (unsigned); src + lo Stride does not.
  template <class F>
  static constexpr void runs(std::size_t t0, std::size_t t1, std::size_t p0, std::size_t p1, F&& f) {
    if (p0 >= p1) return;
    const std::size_t oh0 = p0 / OW, oh1 = (p1 - 1) / OW, first_ow = p0 % OW, last_ow = (p1 - 1) % OW + 1;
    for (std::size_t t = t0; t < t1; ++t) {
      const std::size_t c = t / (KH * KW), kh = t / KW % KH, kw = t % KW;
      const std::size_t inside_lo = cols::first_inside(kw), inside_hi = cols::end_inside(kw);
      const std::size_t src = c * H * W + cols::input(0, kw);
      std::size_t col = 0;
      for (std::size_t oh = oh0; oh <= oh1; ++oh) {
        const std::size_t ow0 = oh == oh0 ? first_ow : 0, ow1 = oh == oh1 ? last_ow : OW;
        const std::size_t ih = rows::input(oh, kh);
        std::size_t lo = ow1, hi = ow1;
        if (ih < H) {
          lo = inside_lo < ow0 ? ow0 : inside_lo < ow1 ? inside_lo : ow1;
          hi = inside_hi < lo ? lo : inside_hi < ow1 ? inside_hi : ow1;
        }
        f(t - t0, col, ow0, ow1, lo, hi, src + ih * W);
        col += ow1 - ow0;
      }
    }
  }
  // out[row ld + col] = the block [t0, t1) x [p0, p1) of image x's patches
  template <class T>
  static void gather(const T* x, std::size_t t0, std::size_t t1, std::size_t p0, std::size_t p1, T* out, std::size_t ld) {
    if constexpr (Stride == 1 && (Padding == 0 || frame_fits<T>)) {
      if (p0 % OW == 0 && p1 % OW == 0) {  // whole output rows (LeNet's layers: whole images)
        gather_rows(x, t0, t1, p0 / OW, p1 / OW, out, ld);
        return;
      }
    }
    runs(t0, t1, p0, p1, [&](std::size_t row, std::size_t col, std::size_t ow0, std::size_t ow1, std::size_t lo, std::size_t hi,
                             std::size_t src) {
      T* o = out + row * ld + col;  // o[ow - ow0]
      for (std::size_t ow = ow0; ow < lo; ++ow) o[ow - ow0] = T{};
      if constexpr (Stride == 1) {
        if (lo < hi) copy_run(o + (lo - ow0), x + (src + lo), hi - lo);  // src + lo: no wrapped pointer
      } else {
        for (std::size_t ow = lo; ow < hi; ++ow) o[ow - ow0] = x[src + ow * Stride];
      }
      for (std::size_t ow = hi; ow < ow1; ++ow) o[ow - ow0] = T{};
    });
  }
  // The same for stride 1 and the output rows [oh0, oh1) of an image without padding, or
  // with padding and small enough to be copied into a zeroed frame first (LeNet's first
  // layer: 32 x 32): then no run reads padding, and every run is a whole output row, a copy
  // of a size known at compile time (a few vector moves), where runs() paid loops of
  // run-time length for 0-2 elements of padding at its ends.
  static constexpr std::size_t HP = H + 2 * Padding, WP = W + 2 * Padding;
  template <class T>
  static constexpr bool frame_fits = C * HP * WP * sizeof(T) <= 16 * 1024;
  template <class T>
  static void gather_rows(const T* x, std::size_t t0, std::size_t t1, std::size_t oh0, std::size_t oh1, T* out, std::size_t ld) {
    auto copy = [&](const T* image) {  // image [C, HP, WP]
      for (std::size_t t = t0; t < t1; ++t) {
        const std::size_t c = t / (KH * KW), kh = t / KW % KH, kw = t % KW;
        const T* src = image + (c * HP + oh0 + kh * Dilation) * WP + kw * Dilation;
        T* o = out + (t - t0) * ld;
        for (std::size_t oh = oh0; oh < oh1; ++oh, o += OW, src += WP) __builtin_memcpy(o, src, OW * sizeof(T));
      }
    };
    if constexpr (Padding > 0) {
      T frame[C * HP * WP] = {};
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t h = 0; h < H; ++h)
          __builtin_memcpy(frame + (c * HP + h + Padding) * WP + Padding, x + (c * H + h) * W, W * sizeof(T));
      copy(frame);
    } else {
      copy(x);
    }
  }
  // col2im: each patch element of the block in[row ld + col] added to the input it was read from
  template <class T>
  static void scatter(T* dx, std::size_t t0, std::size_t t1, std::size_t p0, std::size_t p1, const T* in, std::size_t ld) {
    runs(t0, t1, p0, p1, [&](std::size_t row, std::size_t col, std::size_t ow0, std::size_t, std::size_t lo, std::size_t hi,
                             std::size_t src) {
      const T* i = in + row * ld + col;  // i[ow - ow0]
      if constexpr (Stride == 1) {
        if (lo < hi) add_run(dx + (src + lo), i + (lo - ow0), hi - lo);
      } else {
        for (std::size_t ow = lo; ow < hi; ++ow) dx[src + ow * Stride] += i[ow - ow0];
      }
    });
  }
  // f(p0, np, t0, nt) for the blocks of E elements that cover the patches, np positions
  // by nt taps (whole rows of positions where they fit), positions outer
  template <std::size_t E>
  static constexpr std::size_t block_positions = positions < E ? positions : E;
  template <std::size_t E>
  static constexpr std::size_t block_taps = taps < E / block_positions<E> ? taps : E / block_positions<E>;
  template <std::size_t E, class F>
  static void blocks(F&& f) {
    constexpr std::size_t pc = block_positions<E>, tc = block_taps<E>;
    for (std::size_t p0 = 0; p0 < positions; p0 += pc)
      for (std::size_t t0 = 0; t0 < taps; t0 += tc)
        f(p0, positions - p0 < pc ? positions - p0 : pc, t0, taps - t0 < tc ? taps - t0 : tc);
  }
  // one patch element, for the plain loops of constant evaluation
  template <class T>
  static constexpr T at(const T* x, std::size_t t, std::size_t p) {
    const std::size_t c = t / (KH * KW), kh = t / KW % KH, kw = t % KW;
    const std::size_t ih = rows::input(p / OW, kh), iw = cols::input(p % OW, kw);
    return ih < H && iw < W ? x[(c * H + ih) * W + iw] : T{};
  }
};

// The scratch the patches are made in, on the stack: 128 KiB holds a whole image's patches
// for LeNet's layers, stays in L2, and bounds the blocks of larger images. With gemm_dots's
// panel (32 KiB) and a padded image's frame (at most 16 KiB) a convolution's backward pass
// needs about 190 KiB of stack: threads made with a smaller stack than the usual 8 MiB (or
// 512 KiB on macOS) must allow for it.
inline constexpr std::size_t conv_scratch_bytes = 128 * 1024;

}  // namespace detail

namespace op {

// y [N, O, OH, OW] from x [N, C, H, W], w [O, C, KH, KW] and an optional bias b [O]. Per
// image, with p its patches [C KH KW, OH OW] and w seen as [O, C KH KW]: y = w p (+ b).
// The forward product and p's gradient (w^T dy, added back by col2im) have few rows
// against long rows of positions, so they take the outer-product loops; w's gradient, dot
// products along the positions summed over the images, takes gemm_dots, with the patches
// as its row source. Under constant evaluation (and for types other than float and double)
// plain loops over the definition run instead.
template <std::size_t Stride, std::size_t Padding, std::size_t Dilation>
struct conv {
  static constexpr auto name = fixed_string("conv2d");
  // the windows along H and W; only named once both shapes are known to have rank 4
  template <class X, class W>
  using rows_axis = detail::conv_axis<X::dim(2), W::dim(2), Stride, Padding, Dilation>;
  template <class X, class W>
  using cols_axis = detail::conv_axis<X::dim(3), W::dim(3), Stride, Padding, Dilation>;

  template <class X, class W, class... B>
  static constexpr auto check() {
    if constexpr (Stride == 0 || Dilation == 0)
      return fixed_string("stride and dilation must be at least 1, got stride ") + detail::to_fixed_string<Stride>() +
             fixed_string(" and dilation ") + detail::to_fixed_string<Dilation>();
    else if constexpr (X::rank != 4)
      return fixed_string("needs an input [N, C, H, W], got ") + shape_string(X{});
    else if constexpr (W::rank != 4 || W::dynamic)
      return fixed_string("needs a weight [O, C, KH, KW], got ") + shape_string(W{});
    else if constexpr (X::dim(1) != W::dim(1))
      return fixed_string("the input ") + shape_string(X{}) + fixed_string(" has ") + detail::to_fixed_string<X::dim(1)>() +
             fixed_string(" channels, the weight ") + shape_string(W{}) + fixed_string(" takes ") +
             detail::to_fixed_string<W::dim(1)>();
    else if constexpr (!rows_axis<X, W>::fits || !cols_axis<X, W>::fits)
      return fixed_string("the kernel ") + detail::to_fixed_string<W::dim(2)>() + fixed_string("x") +
             detail::to_fixed_string<W::dim(3)>() + fixed_string(" spans ") + detail::to_fixed_string<rows_axis<X, W>::span>() +
             fixed_string("x") + detail::to_fixed_string<cols_axis<X, W>::span>() + fixed_string(" (dilation ") +
             detail::to_fixed_string<Dilation>() + fixed_string("), more than the padded input ") +
             detail::to_fixed_string<rows_axis<X, W>::padded>() + fixed_string("x") + detail::to_fixed_string<cols_axis<X, W>::padded>() +
             fixed_string(" of ") + shape_string(X{}) + fixed_string(" with padding ") + detail::to_fixed_string<Padding>();
    else if constexpr (sizeof...(B) == 1 && !(std::is_same_v<B, shape<W::dim(0)>> && ...))
      return fixed_string("the bias must be [") + detail::to_fixed_string<W::dim(0)>() + fixed_string("] for the weight ") +
             shape_string(W{}) + fixed_string(", got ") + (shape_string(B{}) + ...);
    else
      return fixed_string("");
  }
  template <class X, class W, class... B>
  using result_shape = shape<X::dim(0), W::dim(0), rows_axis<X, W>::out, cols_axis<X, W>::out>;

  template <class X, class W>
  using geometry = detail::conv_geometry<typename X::shape_type, typename W::shape_type, Stride, Padding, Dilation>;
  template <class T>
  static constexpr std::size_t scratch_size = detail::conv_scratch_bytes / sizeof(T);
  template <class T>
  static constexpr bool plain_loops() {
    return !std::is_floating_point_v<T> || std::is_constant_evaluated();
  }

  template <class Y, class X, class W, class... B>
  constexpr void forward(Y& y, const X& x, const W& w, const B&... b) const {
    using T = typename X::value_type;
    using G = geometry<X, W>;
    constexpr std::size_t P = G::positions, taps = G::taps;
    const std::size_t n_images = detail::batch_of(x);
    if (plain_loops<T>()) {
      for (std::size_t n = 0; n < n_images; ++n)
        for (std::size_t o = 0; o < G::O; ++o)
          for (std::size_t p = 0; p < P; ++p) {
            T s{};
            for (std::size_t t = 0; t < taps; ++t) s += w[o * taps + t] * G::at(x.data() + n * G::image, t, p);
            if constexpr (sizeof...(B) == 1) s += (b[o], ...);
            y.data()[(n * G::O + o) * P + p] = s;
          }
    } else if constexpr (std::is_floating_point_v<T>) {
      constexpr std::size_t E = scratch_size<T>;
      T scratch[G::template block_positions<E> * G::template block_taps<E>];
      for (std::size_t n = 0; n < n_images; ++n) {
        const T* xn = x.data() + n * G::image;
        T* yn = y.data() + n * G::O * P;
        G::template blocks<E>([&](std::size_t p0, std::size_t np, std::size_t t0, std::size_t nt) {
          G::gather(xn, t0, t0 + nt, p0, p0 + np, scratch, np);
          if (t0 == 0)
            detail::gemm_outer<false, false>(G::O, np, nt, w.data() + t0, taps, scratch, np, yn + p0, P);
          else
            detail::gemm_outer<false, true>(G::O, np, nt, w.data() + t0, taps, scratch, np, yn + p0, P);
        });
        if constexpr (sizeof...(B) == 1)
          for (std::size_t o = 0; o < G::O; ++o) {
            const T bias = (b[o], ...);
            for (std::size_t p = 0; p < P; ++p) yn[o * P + p] += bias;
          }
      }
    }
  }

  template <std::size_t K, class DX, class DY, class Y, class X, class W, class... B>
  constexpr void vjp(const DX& dx, const DY& dy, const Y&, const X& x, const W& w, const B&...) const {
    using T = typename X::value_type;
    using G = geometry<X, W>;
    constexpr std::size_t P = G::positions, taps = G::taps;
    const std::size_t n_images = detail::batch_of(x);
    const T* d = dy.data();
    T* g = dx.data();
    if constexpr (K == 2) {  // db [O]: dy summed over images and positions
      for (std::size_t o = 0; o < G::O; ++o) {
        T s{};
        for (std::size_t n = 0; n < n_images; ++n)
          s += math::sum_of<T>(P, [&](std::size_t i) { return d[(n * G::O + o) * P + i]; });
        dx.put(o, s);
      }
    } else if (plain_loops<T>()) {
      if constexpr (K == 0) {  // dx: each patch element's gradient, w^T dy, added where it was read
        if constexpr (!DX::accumulates)
          for (std::size_t i = 0; i < dx.size(); ++i) g[i] = T{};
        for (std::size_t n = 0; n < n_images; ++n)
          for (std::size_t t = 0; t < taps; ++t)
            G::runs(t, t + 1, 0, P, [&](std::size_t, std::size_t col, std::size_t ow0, std::size_t, std::size_t lo,
                                        std::size_t hi, std::size_t src) {
              for (std::size_t ow = lo; ow < hi; ++ow) {
                T s{};
                for (std::size_t o = 0; o < G::O; ++o) s += w[o * taps + t] * d[(n * G::O + o) * P + col + ow - ow0];
                g[n * G::image + src + ow * Stride] += s;
              }
            });
      } else {  // dw [O, taps]: dy times the patches, summed over positions and images
        for (std::size_t o = 0; o < G::O; ++o)
          for (std::size_t t = 0; t < taps; ++t) {
            T s{};
            for (std::size_t n = 0; n < n_images; ++n)
              for (std::size_t p = 0; p < P; ++p) s += d[(n * G::O + o) * P + p] * G::at(x.data() + n * G::image, t, p);
            dx.put(o * taps + t, s);
          }
      }
    } else if constexpr (std::is_floating_point_v<T>) {
      constexpr std::size_t E = scratch_size<T>;
      if constexpr (K == 0) {
        T scratch[G::template block_positions<E> * G::template block_taps<E>];
        for (std::size_t n = 0; n < n_images; ++n) {
          if constexpr (!DX::accumulates)  // image by image: the col2im below finds it in L1
            for (std::size_t i = 0; i < G::image; ++i) g[n * G::image + i] = T{};
          G::template blocks<E>([&](std::size_t p0, std::size_t np, std::size_t t0, std::size_t nt) {
            detail::gemm_outer<true, false>(nt, np, G::O, w.data() + t0, taps, d + n * G::O * P + p0, P, scratch, np);
            G::scatter(g + n * G::image, t0, t0 + nt, p0, p0 + np, scratch, np);
          });
        }
      } else {
        // the row source hands gemm_dots up to dots_panel_cols rows of patches at a time,
        // over a chunk of pc positions
        constexpr std::size_t rows = detail::dots_panel_cols(G::O, taps), pc = P < E / rows ? P : E / rows;
        T scratch[rows * pc];
        const T* xs = x.data();
        for (std::size_t p0 = 0; p0 < P; p0 += pc) {
          const std::size_t np = P - p0 < pc ? P - p0 : pc;
          auto patches = [&](std::size_t image, std::size_t t0, std::size_t nt) {
            G::gather(xs + image * G::image, t0, t0 + nt, p0, p0 + np, scratch, np);
            return static_cast<const T*>(scratch);
          };
          detail::gemm_dots(G::O, taps, np, n_images, d + p0, G::O * P, P, detail::dots_rows<T>::of(patches), g,
                            DX::accumulates || p0 > 0);
        }
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
  template <class S>
  static constexpr std::size_t out_rows = (S::dim(2) - K) / Stride + 1;
  template <class S>
  static constexpr std::size_t out_cols = (S::dim(3) - K) / Stride + 1;
  template <class X>
  using result_shape = shape<X::dim(0), X::dim(1), out_rows<X>, out_cols<X>>;
  template <class X>
  static constexpr std::size_t planes(const X& x) {
    return detail::batch_of(x) * X::shape_type::dim(1);
  }
  // f(row, first) for each row of windows (a plane's output row, numbered through the
  // planes): window ow of the row starts at input element first + ow Stride
  template <class S, class X, class F>
  static constexpr void each_row(const X& x, F&& f) {
    constexpr std::size_t H = S::dim(2), W = S::dim(3), OH = out_rows<S>;
    for (std::size_t row = 0; row < planes(x) * OH; ++row) f(row, (row / OH * H + row % OH * Stride) * W);
  }

  // The loops run along a row of windows, so that the compiler makes vector code of them:
  // strided loads and stores, comparisons as lane masks. A window at a time, GCC made each
  // comparison a branch, and which element wins is data: the mispredictions cost 2.5-6x the
  // whole pass. Rows shorter than half a vector would leave most lanes idle: at run time,
  // those go through in_vectors instead.
  template <class T, class S>
  static constexpr bool short_rows = std::is_floating_point_v<T> && out_cols<S> < detail::simd<T>::lanes / 2;

  // f(o0, n, at, v): a vector of windows at a time, for the outputs [o0, o0 + n), with at[l]
  // the first input element of window o0 + l and v[i] the windows' elements i (row-major)
  // as one vector, zeros in lanes from n on
  template <class S, class X, class F>
  static void in_vectors(const X& x, F&& f) {
    using T = typename X::value_type;
    using V = typename detail::simd<T>::type;
    constexpr std::size_t L = detail::simd<T>::lanes;
    constexpr std::size_t H = S::dim(2), W = S::dim(3), OH = out_rows<S>, OW = out_cols<S>;
    const std::size_t n = planes(x) * OH * OW;
    std::size_t plane = 0, oh = 0, ow = 0;
    for (std::size_t o0 = 0; o0 < n; o0 += L) {
      const std::size_t group = n - o0 < L ? n - o0 : L;
      std::size_t at[L];
      V v[K * K] = {};
      for (std::size_t l = 0; l < group; ++l) {
        at[l] = (plane * H + oh * Stride) * W + ow * Stride;
        for (std::size_t i = 0; i < K * K; ++i) v[i][l] = x[at[l] + i / K * W + i % K];
        if (++ow == OW) {
          ow = 0;
          if (++oh == OH) oh = 0, ++plane;
        }
      }
      f(o0, group, at, v);
    }
  }

  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    using T = typename X::value_type;
    using S = typename X::shape_type;
    constexpr std::size_t W = S::dim(3), OW = out_cols<S>;
    T* out = y.data();
    if constexpr (short_rows<T, S>) {
      if (!std::is_constant_evaluated()) {
        using V = typename detail::simd<T>::type;
        using I = decltype(V{} == V{});  // a lane mask: all ones or all zeros
        in_vectors<S>(x, [&](std::size_t o0, std::size_t n, const std::size_t*, const V* v) {
          V acc = v[0];
          for (std::size_t i = 1; i < K * K; ++i) {
            if constexpr (Max) {  // NaN wins, as in PyTorch
              const I take = ((v[i] > acc) | (v[i] != v[i])) & (acc == acc);
              acc = V((I(v[i]) & take) | (I(acc) & ~take));
            } else {
              acc += v[i];
            }
          }
          if constexpr (!Max) acc /= T(K * K);
          for (std::size_t l = 0; l < n; ++l) out[o0 + l] = acc[l];
        });
        return;
      }
    }
    each_row<S>(x, [&](std::size_t row, std::size_t first) {
      T* out_row = out + row * OW;
      for (std::size_t ow = 0; ow < OW; ++ow) {
        const std::size_t at = first + ow * Stride;
        T acc = x[at];
        for (std::size_t r = 0; r < K; ++r)  // the window's elements, row-major
          for (std::size_t c = r == 0 ? 1 : 0; c < K; ++c) {
            const T v = x[at + r * W + c];
            if constexpr (Max)
              acc = (v > acc || v != v) && acc == acc ? v : acc;  // NaN wins, as in PyTorch
            else
              acc += v;
          }
        out_row[ow] = Max ? acc : acc / T(K * K);
      }
    });
  }
  template <std::size_t, class DX, class DY, class Y, class X>
  constexpr void vjp(const DX& dx, const DY& dy, const Y& y, const X& x) const {
    using T = typename X::value_type;
    using S = typename X::shape_type;
    constexpr std::size_t W = S::dim(3), OW = out_cols<S>;
    auto* g = dx.data();
    // windows that tile the input (Stride == K) cover every element once: it is written, not
    // zeroed first and then added to
    constexpr bool overwrite = Stride == K && !DX::accumulates;
    if constexpr (!DX::accumulates && !overwrite)
      for (std::size_t i = 0; i < dx.size(); ++i) g[i] = {};
    auto put = [&](std::size_t at, T share) {
      if constexpr (overwrite)
        g[at] = share;
      else
        g[at] += share;
    };
    // Max: all of dy to the first element (row-major) that gave the maximum
    if constexpr (short_rows<T, S>) {
      if (!std::is_constant_evaluated()) {
        using V = typename detail::simd<T>::type;
        using I = decltype(V{} == V{});
        in_vectors<S>(x, [&](std::size_t o0, std::size_t n, const std::size_t* at, const V* v) {
          V d{}, m{};
          for (std::size_t l = 0; l < n; ++l) {
            d[l] = dy[o0 + l];
            if constexpr (Max) m[l] = y[o0 + l];
          }
          V share[K * K];
          if constexpr (Max) {
            I first_hit = I{} + int(K * K);
            for (std::size_t i = K * K; i-- > 0;) {  // backwards: the last hit seen is the first
              const I hit = (v[i] == m) | ((m != m) & (v[i] != v[i]));
              first_hit = (hit & int(i)) | (~hit & first_hit);
            }
            for (std::size_t i = 0; i < K * K; ++i) share[i] = V(I(d) & (first_hit == int(i)));
          } else {
            for (std::size_t i = 0; i < K * K; ++i) share[i] = d / T(K * K);
          }
          for (std::size_t l = 0; l < n; ++l)
            for (std::size_t i = 0; i < K * K; ++i) put(at[l] + i / K * W + i % K, share[i][l]);
        });
        return;
      }
    }
    each_row<S>(x, [&](std::size_t row, std::size_t first) {
      unsigned winner[OW];  // Max: the element of each window that takes dy
      if constexpr (Max)
        for (std::size_t ow = 0; ow < OW; ++ow) {
          const T m = y[row * OW + ow];
          unsigned first_hit = K * K;
          for (std::size_t i = K * K; i-- > 0;) {  // backwards: the last hit seen is the first
            const T v = x[first + i / K * W + i % K + ow * Stride];
            first_hit = (v == m) | ((m != m) & (v != v)) ? unsigned(i) : first_hit;
          }
          winner[ow] = first_hit;
        }
      // in rows, each a window's row at a time: overlapping windows add in window order
      for (std::size_t r = 0; r < K; ++r)
        for (std::size_t ow = 0; ow < OW; ++ow)
          for (std::size_t c = 0; c < K; ++c) {
            if constexpr (Max)
              put(first + r * W + ow * Stride + c, winner[ow] == r * K + c ? dy[row * OW + ow] : T{});
            else
              put(first + r * W + ow * Stride + c, dy[row * OW + ow] / T(K * K));
          }
    });
  }
};

}  // namespace op

template <std::size_t Stride = 1, std::size_t Padding = 0, std::size_t Dilation = 1, detail::unary_operand X,
          detail::unary_operand W>
constexpr result_t<op::conv<Stride, Padding, Dilation>, X, W> conv2d(const X& x, const W& w) {
  return detail::make_node(op::conv<Stride, Padding, Dilation>{}, x, w);
}
template <std::size_t Stride = 1, std::size_t Padding = 0, std::size_t Dilation = 1, detail::unary_operand X,
          detail::unary_operand W, detail::unary_operand B>
constexpr result_t<op::conv<Stride, Padding, Dilation>, X, W, B> conv2d(const X& x, const W& w, const B& b) {
  return detail::make_node(op::conv<Stride, Padding, Dilation>{}, x, w, b);
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

// Dense matrix products, row-major:
//
//   gemm<TA, TB, Accumulate>(M, N, K, a, b, c)      c[M,N] (+)= op(a) op(b)
//
// op(x) is x, or x transposed when its flag is set: a is [M,K] or ([K,M] when TA), b is
// [K,N] or ([N,K] when TB). These four forms are all a product and its two vector-Jacobian
// products need (Y = X W^T, dW = dY^T X, dX = dY W), so no transposed copy is ever made.
//
// At run time: BLAS when the build has it (blas.hpp) and the product is large enough;
// else small products are outer-product loops over contiguous rows of c, and the rest go
// to one packed, register-tiled kernel (gemm_packed) that serves every transpose form.
// A convolution's products have their own shapes and take two more entry points, below:
// gemm_outer with leading dimensions (a block of patches: few rows against long rows of b,
// no packing, no BLAS) and gemm_dots (dot products summed over a batch of images, their
// rows from a row source). gemm_rows chooses between gemm_outer and gemm for a whole
// product of that shape.
// No -ffast-math is needed: the vector code only uses multiply-adds in program order per
// lane. Under constant evaluation a plain loop runs (fewer steps for the constexpr
// evaluator; the same result up to summation order).
//
// The sizes are run-time arguments on purpose: compile-time sizes instantiate fully unrolled
// kernels for every layer shape, which is slow to compile (docs/design.md); the loops run
// as fast either way.
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/kernels/blas.hpp"

namespace ctgrad::detail {

template <bool TA, bool TB, bool Accumulate, class T>
constexpr void gemm_plain(std::size_t M, std::size_t N, std::size_t K, const T* a, const T* b, T* c) {
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t j = 0; j < N; ++j) {
      T s{};
      for (std::size_t k = 0; k < K; ++k) s += a[TA ? k * M + i : i * K + k] * b[TB ? j * K + k : k * N + j];
      c[i * N + j] = Accumulate ? c[i * N + j] + s : s;
    }
}

// The run-time kernels use GCC/Clang vector extensions: the register tiles below are what
// makes a product fast, and auto-vectorisers do not build them reliably. Vectors are as
// wide as the target's: 64 bytes with AVX-512, 32 with AVX, else 16 (SSE2, NEON).
#if defined(__AVX512F__)
inline constexpr std::size_t simd_bytes = 64;
#elif defined(__AVX__)
inline constexpr std::size_t simd_bytes = 32;
#else
inline constexpr std::size_t simd_bytes = 16;
#endif
template <class T>
struct simd {
  typedef T type __attribute__((vector_size(simd_bytes)));
  static constexpr std::size_t lanes = simd_bytes / sizeof(T);
  static type load(const T* p) {
    type v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
  }
  static void store(T* p, type v) { __builtin_memcpy(p, &v, sizeof v); }
  static T sum(type v) {
    T s{};
    for (std::size_t l = 0; l < lanes; ++l) s += v[l];
    return s;
  }
};

// b is [K,N]: a tile of R rows x 2 vectors of c is accumulated over all of k as outer
// products (2 loads and R broadcasts feed 2R FMAs), then stored once. Leftover columns
// take a one-vector tile, then independent scalar sums. Rows go six at a time (12
// accumulators and 2 loaded vectors fit AVX2's 16 registers), the rest as 4, 2 and 1.
// lda, ldb, ldc: the distance between rows of a (as stored), b and c, so that a block of
// a larger matrix (a convolution's) needs no copy.
template <std::size_t R, bool TA, bool Accumulate, class T>
inline void gemm_outer_rows(std::size_t i0, std::size_t N, std::size_t K, const T* a, std::size_t lda, const T* b,
                            std::size_t ldb, T* c, std::size_t ldc) {
  using S = simd<T>;
  using V = typename S::type;
  constexpr std::size_t W = S::lanes, J = 2 * W;
  const std::size_t full_n = N - N % J;
  const std::size_t full_v = full_n + W <= N ? full_n + W : full_n;  // columns done by vectors
  auto a_at = [&](std::size_t r, std::size_t k) { return TA ? a[k * lda + i0 + r] : a[(i0 + r) * lda + k]; };
  for (std::size_t j0 = 0; j0 < full_n; j0 += J) {
    V acc[R][2] = {};
    for (std::size_t k = 0; k < K; ++k) {
      const V b0 = S::load(b + k * ldb + j0), b1 = S::load(b + k * ldb + j0 + W);
      for (std::size_t r = 0; r < R; ++r) {
        const T x = a_at(r, k);
        acc[r][0] += x * b0;
        acc[r][1] += x * b1;
      }
    }
    for (std::size_t r = 0; r < R; ++r) {
      T* cr = c + (i0 + r) * ldc + j0;
      if constexpr (Accumulate) {
        acc[r][0] += S::load(cr);
        acc[r][1] += S::load(cr + W);
      }
      S::store(cr, acc[r][0]);
      S::store(cr + W, acc[r][1]);
    }
  }
  if (full_v > full_n) {  // one more vector of columns
    V acc[R] = {};
    for (std::size_t k = 0; k < K; ++k) {
      const V bk = S::load(b + k * ldb + full_n);
      for (std::size_t r = 0; r < R; ++r) acc[r] += a_at(r, k) * bk;
    }
    for (std::size_t r = 0; r < R; ++r) {
      T* cr = c + (i0 + r) * ldc + full_n;
      if constexpr (Accumulate) acc[r] += S::load(cr);
      S::store(cr, acc[r]);
    }
  }
  if (full_v < N) {  // fewer columns than a vector: independent sums, not one chain each
    const std::size_t left = N - full_v < W ? N - full_v : W;  // always N - full_v: the clamp shows GCC that acc is in bounds
    T acc[R][W] = {};
    for (std::size_t k = 0; k < K; ++k)
      for (std::size_t r = 0; r < R; ++r) {
        const T x = a_at(r, k);
        for (std::size_t j = 0; j < left; ++j) acc[r][j] += x * b[k * ldb + full_v + j];
      }
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t j = 0; j < left; ++j) {
        T& out = c[(i0 + r) * ldc + full_v + j];
        out = Accumulate ? out + acc[r][j] : acc[r][j];
      }
  }
}

template <bool TA, bool Accumulate, class T>
inline void gemm_outer(std::size_t M, std::size_t N, std::size_t K, const T* a, std::size_t lda, const T* b, std::size_t ldb,
                       T* c, std::size_t ldc) {
  std::size_t i = 0;
  for (; i + 6 <= M; i += 6) gemm_outer_rows<6, TA, Accumulate>(i, N, K, a, lda, b, ldb, c, ldc);
  if (M - i >= 4) {
    gemm_outer_rows<4, TA, Accumulate>(i, N, K, a, lda, b, ldb, c, ldc);
    i += 4;
  }
  if (M - i >= 2) {
    gemm_outer_rows<2, TA, Accumulate>(i, N, K, a, lda, b, ldb, c, ldc);
    i += 2;
  }
  if (i < M) gemm_outer_rows<1, TA, Accumulate>(i, N, K, a, lda, b, ldb, c, ldc);
}
template <bool TA, bool Accumulate, class T>
inline void gemm_outer(std::size_t M, std::size_t N, std::size_t K, const T* a, const T* b, T* c) {
  gemm_outer<TA, Accumulate>(M, N, K, a, TA ? M : K, b, N, c, N);
}

// The large products: packed panels and a register-tiled micro-kernel (the GotoBLAS/BLIS
// scheme). op(a) is copied in blocks of MR rows and op(b) in panels of NR columns, each laid
// out in the order the micro-kernel reads it, zero-padded to whole tiles; so one kernel serves
// every transpose form, and its inner loop is two vector loads and MR broadcasts feeding
// 2 MR fused multiply-adds. An MC x KC block of a (64 KiB) stays in L2 while a KC x NR panel
// of b (16 KiB) is reused from L1 by every MR-row block of it. Both live on the stack
// (80 KiB, under Eigen's 128 KiB limit for stack temporaries): no allocation, no
// thread-local storage.
template <class T>
struct gemm_blocking {
  static constexpr std::size_t W = simd<T>::lanes;
  static constexpr std::size_t NR = 2 * W;                                             // columns per tile
  static constexpr std::size_t MR = simd_bytes == 64 ? 8 : simd_bytes == 32 ? 6 : 4;  // rows per tile
  static constexpr std::size_t KC = 16384 / (NR * sizeof(T));                          // b panel: 16 KiB
  static constexpr std::size_t MC = 65536 / (KC * sizeof(T)) / MR * MR;                // a block: <= 64 KiB
};

// c tile (+)= a panel [kc x MR] times b panel [kc x NR]; rows/cols: how much of the tile is
// real. TransC: c is stored transposed (element (r, j) at c[j ldc + r]).
template <bool TransC, class T>
inline void gemm_micro(std::size_t kc, const T* __restrict ap, const T* __restrict bp, T* __restrict c,
                       std::size_t ldc, std::size_t rows, std::size_t cols, bool accumulate) {
  using S = simd<T>;
  using V = typename S::type;
  using G = gemm_blocking<T>;
  constexpr std::size_t MR = G::MR, W = G::W, NR = G::NR;
  V acc[MR][2] = {};
  for (std::size_t k = 0; k < kc; ++k, ap += MR, bp += NR) {
    const V b0 = S::load(bp), b1 = S::load(bp + W);
#pragma GCC unroll 16  // the tile must live in registers, also at -O2
    for (std::size_t r = 0; r < MR; ++r) {
      const T x = ap[r];
      acc[r][0] += x * b0;
      acc[r][1] += x * b1;
    }
  }
  if (!TransC && rows == MR && cols == NR) {
#pragma GCC unroll 16
    for (std::size_t r = 0; r < MR; ++r) {
      T* cr = c + r * ldc;
      if (accumulate) {
        acc[r][0] += S::load(cr);
        acc[r][1] += S::load(cr + W);
      }
      S::store(cr, acc[r][0]);
      S::store(cr + W, acc[r][1]);
    }
  } else {  // an edge tile (or a transposed one): only the real part is written
    T tile[MR][NR];
    for (std::size_t r = 0; r < MR; ++r) {
      S::store(tile[r], acc[r][0]);
      S::store(tile[r] + W, acc[r][1]);
    }
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t j = 0; j < cols; ++j) {
        T& out = TransC ? c[j * ldc + r] : c[r * ldc + j];
        out = accumulate ? out + tile[r][j] : tile[r][j];
      }
  }
}

// lda, ldb, ldc: the row strides of a, b and c as stored (a part of a bigger matrix has
// its whole width). TransC: c receives the product transposed.
template <bool TA, bool TB, bool Accumulate, bool TransC = false, class T>
inline void gemm_packed(std::size_t M, std::size_t N, std::size_t K, const T* a, std::size_t lda, const T* b,
                        std::size_t ldb, T* c, std::size_t ldc) {
  using G = gemm_blocking<T>;
  constexpr std::size_t MR = G::MR, NR = G::NR, KC = G::KC, MC = G::MC;
  if constexpr (!TransC) {
    // few columns and many rows: c^T = op(b)^T op(a)^T fills whole tiles (e.g. logits [64,10])
    if (2 * N <= NR && M >= NR) {
      gemm_packed<!TB, !TA, Accumulate, true>(N, M, K, b, ldb, a, lda, c, ldc);
      return;
    }
  }
  alignas(64) T a_pack[MC * KC];
  alignas(64) T b_pack[KC * NR];
  for (std::size_t pc = 0; pc < K; pc += KC) {
    const std::size_t kc = K - pc < KC ? K - pc : KC;
    const bool accumulate = Accumulate || pc > 0;
    for (std::size_t ic = 0; ic < M; ic += MC) {
      const std::size_t mc = M - ic < MC ? M - ic : MC;
      // a: block p holds op(a)[ic + p MR + r, pc + k] at [p][k][r]
      for (std::size_t p = 0; p * MR < mc; ++p) {
        T* dst = a_pack + p * MR * kc;
        const std::size_t i0 = ic + p * MR, rows = mc - p * MR < MR ? mc - p * MR : MR;
        for (std::size_t r = 0; r < rows; ++r)
          for (std::size_t k = 0; k < kc; ++k) dst[k * MR + r] = TA ? a[(pc + k) * lda + i0 + r] : a[(i0 + r) * lda + pc + k];
        for (std::size_t r = rows; r < MR; ++r)
          for (std::size_t k = 0; k < kc; ++k) dst[k * MR + r] = T{};
      }
      for (std::size_t j0 = 0; j0 < N; j0 += NR) {
        // b: the panel op(b)[pc + k, j0 + j] at [k][j]
        const std::size_t cols = N - j0 < NR ? N - j0 : NR;
        for (std::size_t k = 0; k < kc; ++k) {
          T* row = b_pack + k * NR;
          for (std::size_t j = 0; j < cols; ++j) row[j] = TB ? b[(j0 + j) * ldb + pc + k] : b[(pc + k) * ldb + j0 + j];
          for (std::size_t j = cols; j < NR; ++j) row[j] = T{};
        }
        for (std::size_t p = 0; p * MR < mc; ++p) {
          const std::size_t rows = mc - p * MR < MR ? mc - p * MR : MR;
          const std::size_t i = ic + p * MR;
          gemm_micro<TransC>(kc, a_pack + p * MR * kc, b_pack, TransC ? c + j0 * ldc + i : c + i * ldc + j0, ldc, rows, cols,
                             accumulate);
        }
      }
    }
  }
}

// the contiguous case: a, b, c hold just the operands
template <bool TA, bool TB, bool Accumulate, class T>
inline void gemm_packed(std::size_t M, std::size_t N, std::size_t K, const T* a, const T* b, T* c) {
  gemm_packed<TA, TB, Accumulate>(M, N, K, a, TA ? M : K, b, TB ? K : N, c, N);
}

inline constexpr std::size_t gemm_small = 32 * 32 * 32;

// gemm at run time, for float and double (not inline: see CTGRAD_EXTERN_KERNELS below)
template <bool TA, bool TB, bool Accumulate, class T>
void gemm_run(std::size_t M, std::size_t N, std::size_t K, const T* a, const T* b, T* c) {
  if (gemm_blas<TA, TB, Accumulate>(M, N, K, a, TA ? M : K, b, TB ? K : N, c, N)) {
    return;
  } else if (K == 1) {  // an outer product: [M,1] and [1,M] are the same memory
    gemm_outer<false, Accumulate>(M, N, 1, a, b, c);
  } else if (!TB && M * N * K < gemm_small) {  // packing would cost more than it saves
    gemm_outer<TA, Accumulate>(M, N, K, a, b, c);
  } else {
    gemm_packed<TA, TB, Accumulate>(M, N, K, a, b, c);
  }
}

template <bool TA, bool TB, bool Accumulate, class T>
constexpr void gemm(std::size_t M, std::size_t N, std::size_t K, const T* a, const T* b, T* c) {
  if constexpr (!std::is_floating_point_v<T>) {  // duals, integers: the plain loops
    gemm_plain<TA, TB, Accumulate>(M, N, K, a, b, c);
  } else if (std::is_constant_evaluated()) {
    gemm_plain<TA, TB, Accumulate>(M, N, K, a, b, c);
  } else {
    gemm_run<TA, TB, Accumulate>(M, N, K, a, b, c);
  }
}

// c[M,N] (+)= op(a) b for b [K,N] with long rows and either few rows of c or all of b
// small enough to stay in cache (a convolution's product per image): the outer-product
// loops read each row of b as it is, where packing it (ours or BLAS's) would copy all of
// it for a handful of multiply-adds per element. Otherwise gemm.
template <bool TA, bool Accumulate, class T>
constexpr void gemm_rows(std::size_t M, std::size_t N, std::size_t K, const T* a, const T* b, T* c) {
  if constexpr (!std::is_floating_point_v<T>) {
    gemm_plain<TA, false, Accumulate>(M, N, K, a, b, c);
  } else if (std::is_constant_evaluated()) {
    gemm_plain<TA, false, Accumulate>(M, N, K, a, b, c);
  } else if (M <= 16 || K * N * sizeof(T) <= 128 * 1024) {
    gemm_outer<TA, Accumulate>(M, N, K, a, b, c);
  } else {
    gemm<TA, false, Accumulate>(M, N, K, a, b, c);
  }
}

// c[M,N] (+)= the sum over g < G of a_g b_g^T, with a_g = a + g sa ([M,K], rows lda apart)
// and b_g [N,K]: every element a dot product along K (a weight's gradient summed over the
// images of a batch). b_g's rows come from a row source, b_rows(g, j0, n): a pointer to its
// rows [j0, j0 + n), K apart, valid until the next call, with n <= dots_panel_cols(M, N); so
// a caller can make them as they are needed (a convolution's patches, one image at a time)
// instead of storing all of them.
// Tiles of 2 x 4 dot products keep vector sums, reduced once at the end: reducing per
// image cost as much as the products when K is short. The rows are read a block of
// dots_block vectors along K at a time, one image at a time, and every tile of a panel
// reads the block while it is in L1; the tiles' vector sums wait in a panel buffer (at most
// dots_panel vectors, on the stack) between blocks. Streaming each row from L2 once per
// tile instead ran at a third of the FMA rate. K shorter than a vector takes scalar sums.
inline constexpr std::size_t dots_block = 8;
// rows per tile: with AVX-512's 32 registers 4 x 4 vector sums (and 8 operand vectors) fit
inline constexpr std::size_t dots_tile_rows = simd_bytes == 64 ? 4 : 2;
inline constexpr std::size_t dots_panel = 512;

constexpr std::size_t dots_panel_rows(std::size_t M) {
  return M == 0 ? 1 : M < dots_panel / 4 ? M : dots_panel / 4;
}
constexpr std::size_t dots_panel_cols(std::size_t M, std::size_t N) {
  const std::size_t pn = dots_panel / dots_panel_rows(M) / 4 * 4;
  return pn < N ? pn : N;
}

// K shorter than a vector: R x J scalar sums over K, for one image
template <std::size_t R, std::size_t J, class T>
inline void gemm_dots_tile(std::size_t N, std::size_t K, const T* a, std::size_t lda, const T* b, T* c, bool accumulate) {
  T acc[R][J] = {};
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t j = 0; j < J; ++j) acc[r][j] += a[r * lda + k] * b[j * K + k];
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t j = 0; j < J; ++j) c[r * N + j] = accumulate ? c[r * N + j] + acc[r][j] : acc[r][j];
}

// sums[r ld + j] += the products of a's rows r < R (lda apart) and b's rows j < J (K apart)
// over the vectors [k0, k1) of one image, and with `last` the final vector [K - W, K) with
// its lanes below k1 masked off (keep)
template <std::size_t R, std::size_t J, class T, class V, class I>
inline void gemm_dots_block(std::size_t K, std::size_t k0, std::size_t k1, bool last, const I& keep, const T* a,
                            std::size_t lda, const T* b, V* sums, std::size_t ld) {
  using S = simd<T>;
  constexpr std::size_t W = S::lanes;
  V acc[R][J];
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t j = 0; j < J; ++j) acc[r][j] = sums[r * ld + j];
  for (std::size_t k = k0; k < k1; k += W) {
    V av[R], bv[J];
    for (std::size_t r = 0; r < R; ++r) av[r] = S::load(a + r * lda + k);
    for (std::size_t j = 0; j < J; ++j) bv[j] = S::load(b + j * K + k);
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t j = 0; j < J; ++j) acc[r][j] += av[r] * bv[j];
  }
  if (last) {
    V av[R], bv[J];
    for (std::size_t r = 0; r < R; ++r) av[r] = S::load(a + r * lda + K - W);
    for (std::size_t j = 0; j < J; ++j) bv[j] = S::load(b + j * K + K - W);
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t j = 0; j < J; ++j) acc[r][j] += (V)((I)(av[r] * bv[j]) & keep);
  }
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t j = 0; j < J; ++j) sums[r * ld + j] = acc[r][j];
}

// A row source, type-erased: every caller's rows go through one instantiation of gemm_dots
// per element type, where a template parameter made one per convolution layer.
template <class T>
struct dots_rows {
  const void* source;
  const T* (*rows)(const void* source, std::size_t g, std::size_t j0, std::size_t n);
  constexpr const T* operator()(std::size_t g, std::size_t j0, std::size_t n) const { return rows(source, g, j0, n); }
  template <class F>
  static constexpr dots_rows of(const F& f) {
    return {&f, [](const void* s, std::size_t g, std::size_t j0, std::size_t n) -> const T* {
              return (*static_cast<const F*>(s))(g, j0, n);
            }};
  }
};

// Always inlined: at its call site the sizes are constants and the row source a known
// function, which the loops need to run at speed. GCC inlines it by itself only while the
// translation unit is large enough to leave room for its growth; after the trainer's units
// shrank it stopped, and LeNet's weight gradients took 40% longer.
template <class T>
[[gnu::always_inline]] constexpr inline void gemm_dots(std::size_t M, std::size_t N, std::size_t K, std::size_t G, const T* a,
                                                       std::size_t sa, std::size_t lda, dots_rows<T> b_rows, T* c,
                                                       bool accumulate) {
  if (!std::is_floating_point_v<T> || std::is_constant_evaluated()) {
    if (!accumulate)
      for (std::size_t i = 0; i < M * N; ++i) c[i] = T{};
    for (std::size_t g = 0; g < G; ++g)
      for (std::size_t j = 0; j < N; ++j) {
        const T* bj = b_rows(g, j, std::size_t{1});
        for (std::size_t i = 0; i < M; ++i) {
          T s{};
          for (std::size_t k = 0; k < K; ++k) s += a[g * sa + i * lda + k] * bj[k];
          c[i * N + j] += s;
        }
      }
  } else if constexpr (std::is_floating_point_v<T>) {
    using S = simd<T>;
    using V = typename S::type;
    using I = typename simd<std::conditional_t<sizeof(T) == 4, int, long long>>::type;
    constexpr std::size_t W = S::lanes;
    const std::size_t pm = dots_panel_rows(M), pn = dots_panel / pm / 4 * 4;  // a panel: pm rows x pn columns
    if (K >= W) {
      const std::size_t full = K - K % W;
      I keep;
      for (std::size_t l = 0; l < W; ++l) keep[l] = l >= W - (K - full) ? -1 : 0;
      V sums[dots_panel];
      for (std::size_t i0 = 0; i0 < M; i0 += pm)
        for (std::size_t j0 = 0; j0 < N; j0 += pn) {
          const std::size_t m = M - i0 < pm ? M - i0 : pm, n = N - j0 < pn ? N - j0 : pn;
          const std::size_t full_n = n - n % 4;
          for (std::size_t i = 0; i < m * pn; ++i) sums[i] = V{};
          for (std::size_t g = 0; g < G; ++g) {
            const T* ag = a + g * sa + i0 * lda;
            const T* bg = b_rows(g, j0, n);
            for (std::size_t k0 = 0; k0 < full; k0 += dots_block * W) {
              const std::size_t k1 = full - k0 < dots_block * W ? full : k0 + dots_block * W;
              const bool last = k1 == full && full < K;
              auto column = [&]<std::size_t J>(std::size_t j) {
                std::size_t i = 0;
                if constexpr (dots_tile_rows == 4)
                  for (; i + 4 <= m; i += 4)
                    gemm_dots_block<4, J>(K, k0, k1, last, keep, ag + i * lda, lda, bg + j * K, sums + i * pn + j, pn);
                for (; i + 2 <= m; i += 2)
                  gemm_dots_block<2, J>(K, k0, k1, last, keep, ag + i * lda, lda, bg + j * K, sums + i * pn + j, pn);
                if (i < m) gemm_dots_block<1, J>(K, k0, k1, last, keep, ag + i * lda, lda, bg + j * K, sums + i * pn + j, pn);
              };
              for (std::size_t j = 0; j < full_n; j += 4) column.template operator()<4>(j);
              for (std::size_t j = full_n; j < n; ++j) column.template operator()<1>(j);
            }
          }
          for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) {
              T& out = c[(i0 + i) * N + j0 + j];
              out = accumulate ? out + S::sum(sums[i * pn + j]) : S::sum(sums[i * pn + j]);
            }
        }
      return;
    }
    if (!accumulate && G == 0)
      for (std::size_t i = 0; i < M * N; ++i) c[i] = T{};
    for (std::size_t g = 0; g < G; ++g) {
      const bool add = accumulate || g > 0;
      for (std::size_t j0 = 0; j0 < N; j0 += pn) {
        const std::size_t n = N - j0 < pn ? N - j0 : pn, full_n = n - n % 4;
        const T* bg = b_rows(g, j0, n);
        for (std::size_t i = 0; i < M; i += 2) {
          const T* ai = a + g * sa + i * lda;
          T* ci = c + i * N + j0;
          if (i + 2 <= M) {
            for (std::size_t j = 0; j < full_n; j += 4) gemm_dots_tile<2, 4>(N, K, ai, lda, bg + j * K, ci + j, add);
            for (std::size_t j = full_n; j < n; ++j) gemm_dots_tile<2, 1>(N, K, ai, lda, bg + j * K, ci + j, add);
          } else {
            for (std::size_t j = 0; j < full_n; j += 4) gemm_dots_tile<1, 4>(N, K, ai, lda, bg + j * K, ci + j, add);
            for (std::size_t j = full_n; j < n; ++j) gemm_dots_tile<1, 1>(N, K, ai, lda, bg + j * K, ci + j, add);
          }
        }
      }
    }
  }
}

// the same with every b_g stored: b + g sb, rows K apart
template <bool Accumulate, class T>
constexpr void gemm_dots(std::size_t M, std::size_t N, std::size_t K, std::size_t G, const T* a, std::size_t sa, const T* b,
                         std::size_t sb, T* c) {
  const auto stored = [&](std::size_t g, std::size_t j0, std::size_t) { return b + g * sb + j0 * K; };
  gemm_dots(M, N, K, G, a, sa, K, dots_rows<T>::of(stored), c, Accumulate);
}


// The kernels' code for one element type, named once: every form gemm_run and gemm_outer
// take. A program of several translation units compiles it once instead of in each unit
// that multiplies matrices: its units define CTGRAD_EXTERN_KERNELS, which declares the code
// here without compiling it, and one unit includes <ctgrad/kernels/instantiate.hpp>, which
// compiles it (for float and double). All of them need the same compiler flags: the vector
// width is part of the code.
#define CTGRAD_DETAIL_GEMM_RUN(KIND, TA, TB, ACC, T) \
  KIND void gemm_run<TA, TB, ACC, T>(std::size_t, std::size_t, std::size_t, const T*, const T*, T*);
#define CTGRAD_DETAIL_KERNELS(KIND, T)                                                                                 \
  CTGRAD_DETAIL_GEMM_RUN(KIND, false, false, false, T) CTGRAD_DETAIL_GEMM_RUN(KIND, false, false, true, T)             \
  CTGRAD_DETAIL_GEMM_RUN(KIND, false, true, false, T) CTGRAD_DETAIL_GEMM_RUN(KIND, false, true, true, T)               \
  CTGRAD_DETAIL_GEMM_RUN(KIND, true, false, false, T) CTGRAD_DETAIL_GEMM_RUN(KIND, true, false, true, T)               \
  CTGRAD_DETAIL_GEMM_RUN(KIND, true, true, false, T) CTGRAD_DETAIL_GEMM_RUN(KIND, true, true, true, T)

#if defined(CTGRAD_EXTERN_KERNELS)
CTGRAD_DETAIL_KERNELS(extern template, float)
CTGRAD_DETAIL_KERNELS(extern template, double)
#endif

}  // namespace ctgrad::detail

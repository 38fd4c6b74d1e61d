// Dense matrix products for compile-time sizes, row-major:
//
//   gemm<TA, TB, Accumulate>(M, N, K, a, b, c)      c[M,N] (+)= op(a) op(b)
//
// op(x) is x, or x transposed when its flag is set: a is [M,K] or ([K,M] when TA), b is
// [K,N] or ([N,K] when TB). These four forms are all a product and its two vector-Jacobian
// products need (Y = X W^T, dW = dY^T X, dX = dY W), so no transposed copy is ever made.
//
// The loops are written so the compiler vectorises them without reassociating floating
// point (no -ffast-math): the row forms are axpy loops over contiguous rows of c; the dot
// product form keeps explicit lane accumulators. Under constant evaluation a plain loop
// runs (fewer steps for the constexpr evaluator; same result up to summation order).
//
// The sizes are run-time arguments on purpose: with compile-time sizes every layer shape
// instantiated its own fully unrolled kernels, and a trainer with a few models and batch
// sizes took 76 s and 900 MiB to compile. The loops cost the same either way.
#pragma once

#include <cstddef>
#include <type_traits>

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

// b is [K,N]: a tile of 4 rows x 2 vectors of c is accumulated over all of k as outer
// products (2 loads and 4 broadcasts feed 8 FMAs), then stored once. Leftover columns
// take a one-vector tile, then scalar loops; leftover rows an axpy per row.
template <bool TA, bool Accumulate, class T>
inline void gemm_outer(std::size_t M, std::size_t N, std::size_t K, const T* a, const T* b, T* c) {
  using S = simd<T>;
  using V = typename S::type;
  constexpr std::size_t R = 4, W = S::lanes, J = 2 * W;
  const std::size_t full_m = M - M % R, full_n = N - N % J;
  const std::size_t full_v = full_n + W <= N ? full_n + W : full_n;  // columns done by vectors
  auto a_at = [&](std::size_t i, std::size_t k) { return TA ? a[k * M + i] : a[i * K + k]; };
  auto store = [&](std::size_t i, std::size_t j, T v) { c[i * N + j] = Accumulate ? c[i * N + j] + v : v; };
  for (std::size_t i0 = 0; i0 < full_m; i0 += R) {
    for (std::size_t j0 = 0; j0 < full_n; j0 += J) {
      V acc[R][2] = {};
      for (std::size_t k = 0; k < K; ++k) {
        const V b0 = S::load(b + k * N + j0), b1 = S::load(b + k * N + j0 + W);
        for (std::size_t r = 0; r < R; ++r) {
          const T x = a_at(i0 + r, k);
          acc[r][0] += x * b0;
          acc[r][1] += x * b1;
        }
      }
      for (std::size_t r = 0; r < R; ++r) {
        T* cr = c + (i0 + r) * N + j0;
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
        const V bk = S::load(b + k * N + full_n);
        for (std::size_t r = 0; r < R; ++r) acc[r] += a_at(i0 + r, k) * bk;
      }
      for (std::size_t r = 0; r < R; ++r) {
        T* cr = c + (i0 + r) * N + full_n;
        if constexpr (Accumulate) acc[r] += S::load(cr);
        S::store(cr, acc[r]);
      }
    }
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t j = full_v; j < N; ++j) {
          T s{};
          for (std::size_t k = 0; k < K; ++k) s += a_at(i0 + r, k) * b[k * N + j];
          store(i0 + r, j, s);
        }
  }
  for (std::size_t i = full_m; i < M; ++i) {  // leftover rows: axpy over each row of b
    T* ci = c + i * N;
    if constexpr (!Accumulate)
      for (std::size_t j = 0; j < N; ++j) ci[j] = T{};
    for (std::size_t k = 0; k < K; ++k) {
      const T x = a_at(i, k);
      const T* bk = b + k * N;
      for (std::size_t j = 0; j < N; ++j) ci[j] += x * bk[j];
    }
  }
}

// b is [N,K]: c[i,j] = dot(row i of a, row j of b). A tile of 2 rows of a x 4 rows of b
// keeps 8 vector accumulators, so 6 loads feed 8 FMAs.
template <bool Accumulate, class T>
inline void gemm_dots(std::size_t M, std::size_t N, std::size_t K, const T* a, const T* b, T* c) {
  using S = simd<T>;
  using V = typename S::type;
  constexpr std::size_t RI = 2, RJ = 4, W = S::lanes;
  const std::size_t full_i = M - M % RI, full_j = N - N % RJ, full_k = K - K % W;
  auto store = [&](std::size_t i, std::size_t j, T v) { c[i * N + j] = Accumulate ? c[i * N + j] + v : v; };
  auto tail = [&](const T* x, const T* y) {
    T s{};
    for (std::size_t k = full_k; k < K; ++k) s += x[k] * y[k];
    return s;
  };
  auto one = [&](const T* x, const T* y) {
    V acc = {};
    for (std::size_t k = 0; k < full_k; k += W) acc += S::load(x + k) * S::load(y + k);
    return S::sum(acc) + tail(x, y);
  };
  for (std::size_t i0 = 0; i0 < full_i; i0 += RI) {
    const T* a0 = a + i0 * K;
    for (std::size_t j0 = 0; j0 < full_j; j0 += RJ) {
      const T* b0 = b + j0 * K;
      V acc[RI][RJ] = {};
      for (std::size_t k = 0; k < full_k; k += W) {
        V av[RI], bv[RJ];
        for (std::size_t ri = 0; ri < RI; ++ri) av[ri] = S::load(a0 + ri * K + k);
        for (std::size_t rj = 0; rj < RJ; ++rj) bv[rj] = S::load(b0 + rj * K + k);
        for (std::size_t ri = 0; ri < RI; ++ri)
          for (std::size_t rj = 0; rj < RJ; ++rj) acc[ri][rj] += av[ri] * bv[rj];
      }
      for (std::size_t ri = 0; ri < RI; ++ri)
        for (std::size_t rj = 0; rj < RJ; ++rj)
          store(i0 + ri, j0 + rj, S::sum(acc[ri][rj]) + tail(a0 + ri * K, b0 + rj * K));
    }
    for (std::size_t j = full_j; j < N; ++j)
      for (std::size_t ri = 0; ri < RI; ++ri) store(i0 + ri, j, one(a0 + ri * K, b + j * K));
  }
  for (std::size_t i = full_i; i < M; ++i)
    for (std::size_t j = 0; j < N; ++j) store(i, j, one(a + i * K, b + j * K));
}

template <bool TA, bool TB, bool Accumulate, class T>
constexpr void gemm(std::size_t M, std::size_t N, std::size_t K, const T* a, const T* b, T* c) {
  if (std::is_constant_evaluated() || !std::is_floating_point_v<T>) {
    gemm_plain<TA, TB, Accumulate>(M, N, K, a, b, c);
  } else if (K == 1) {  // an outer product: [M,1] and [1,M] are the same memory
    gemm_outer<false, Accumulate>(M, N, 1, a, b, c);
  } else if constexpr (!TB) {
    gemm_outer<TA, Accumulate>(M, N, K, a, b, c);
  } else if constexpr (!TA) {
    gemm_dots<Accumulate>(M, N, K, a, b, c);
  } else {
    gemm_plain<TA, TB, Accumulate>(M, N, K, a, b, c);  // a^T b^T: no layer needs it
  }
}

}  // namespace ctgrad::detail

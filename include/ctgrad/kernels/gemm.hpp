// Dense matrix products for compile-time sizes, row-major:
//
//   gemm<M, N, K, TA, TB, Accumulate>(a, b, c)      c[M,N] (+)= op(a) op(b)
//
// op(x) is x, or x transposed when its flag is set: a is [M,K] or ([K,M] when TA), b is
// [K,N] or ([N,K] when TB). These four forms are all a product and its two vector-Jacobian
// products need (Y = X W^T, dW = dY^T X, dX = dY W), so no transposed copy is ever made.
//
// The loops are written so the compiler vectorises them without reassociating floating
// point (no -ffast-math): the row forms are axpy loops over contiguous rows of c; the dot
// product form keeps explicit lane accumulators. Under constant evaluation a plain loop
// runs (fewer steps for the constexpr evaluator; same result up to summation order).
#pragma once

#include <cstddef>
#include <type_traits>

namespace ctgrad::detail {

// Independent partial sums of a dot product: 64 bytes of lanes.
template <class T>
inline constexpr std::size_t dot_lanes = sizeof(T) <= 8 ? 64 / sizeof(T) : 1;

template <std::size_t K, class T>
constexpr T dot(const T* x, const T* y) {
  constexpr std::size_t L = dot_lanes<T>;
  constexpr std::size_t full = K - K % L;  // compile-time bounds: no dead remainder loops
  T lane[L]{};
  for (std::size_t k = 0; k < full; k += L)
    for (std::size_t l = 0; l < L; ++l) lane[l] += x[k + l] * y[k + l];
  T tail{};
  if constexpr (full < K)
    for (std::size_t k = full; k < K; ++k) tail += x[k] * y[k];
  for (std::size_t w = L / 2; w > 0; w /= 2)
    for (std::size_t l = 0; l < w; ++l) lane[l] += lane[l + w];
  return lane[0] + tail;
}

template <std::size_t M, std::size_t N, std::size_t K, bool TA, bool TB, bool Accumulate, class T>
constexpr void gemm_plain(const T* a, const T* b, T* c) {
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t j = 0; j < N; ++j) {
      T s{};
      for (std::size_t k = 0; k < K; ++k) s += a[TA ? k * M + i : i * K + k] * b[TB ? j * K + k : k * N + j];
      c[i * N + j] = Accumulate ? c[i * N + j] + s : s;
    }
}

// Rows of c in blocks of R: each row of b is loaded once per block, the block stays in L1.
template <std::size_t M, std::size_t N, std::size_t K, bool TA, bool Accumulate, class T>
constexpr void gemm_rows(const T* a, const T* b, T* c) {
  constexpr std::size_t R = 4;
  auto a_at = [&](std::size_t i, std::size_t k) { return TA ? a[k * M + i] : a[i * K + k]; };
  constexpr std::size_t full = M - M % R;
  for (std::size_t i0 = 0; i0 < full; i0 += R) {
    T* c0 = c + i0 * N;
    if constexpr (!Accumulate)
      for (std::size_t j = 0; j < R * N; ++j) c0[j] = T{};
    for (std::size_t k = 0; k < K; ++k) {
      const T* bk = b + k * N;
      const T x0 = a_at(i0, k), x1 = a_at(i0 + 1, k), x2 = a_at(i0 + 2, k), x3 = a_at(i0 + 3, k);
      for (std::size_t j = 0; j < N; ++j) {
        const T v = bk[j];
        c0[j] += x0 * v;
        c0[N + j] += x1 * v;
        c0[2 * N + j] += x2 * v;
        c0[3 * N + j] += x3 * v;
      }
    }
  }
  for (std::size_t i = full; i < M; ++i) {
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

// c[i,j] = dot(row i of a, row j of b)
template <std::size_t M, std::size_t N, std::size_t K, bool Accumulate, class T>
constexpr void gemm_dots(const T* a, const T* b, T* c) {
  for (std::size_t i = 0; i < M; ++i) {
    const T* ai = a + i * K;
    T* ci = c + i * N;
    for (std::size_t j = 0; j < N; ++j) {
      const T s = dot<K>(ai, b + j * K);
      ci[j] = Accumulate ? ci[j] + s : s;
    }
  }
}

template <std::size_t M, std::size_t N, std::size_t K, bool TA, bool TB, bool Accumulate, class T>
constexpr void gemm(const T* a, const T* b, T* c) {
  if (std::is_constant_evaluated() || !std::is_floating_point_v<T>)
    gemm_plain<M, N, K, TA, TB, Accumulate>(a, b, c);
  else if constexpr (!TB)
    gemm_rows<M, N, K, TA, Accumulate>(a, b, c);
  else if constexpr (!TA)
    gemm_dots<M, N, K, Accumulate>(a, b, c);
  else
    gemm_plain<M, N, K, TA, TB, Accumulate>(a, b, c);  // a^T b^T: no layer needs it
}

}  // namespace ctgrad::detail

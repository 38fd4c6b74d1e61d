// Optional BLAS backend for the large products.
//
// Define CTGRAD_USE_CBLAS (meson's `ctgrad_blas_dep` does, when the `blas` option finds
// OpenBLAS or another CBLAS through pkg-config) and link the library; then products of at
// least blas::min_flops multiply-adds in float or double at run time go to cblas_sgemm /
// cblas_dgemm. Without the macro this header includes nothing and the library's own
// kernels run. Constant evaluation never calls BLAS.
//
// blas::enable(false) switches BLAS off at run time (one program can compare both); it is
// an atomic, so it may be flipped between steps, not during one.
#pragma once

#include <atomic>
#include <cstddef>
#include <type_traits>

#if defined(CTGRAD_USE_CBLAS)
#include <cblas.h>
#endif

namespace ctgrad::blas {

#if defined(CTGRAD_USE_CBLAS)
inline constexpr bool available = true;
#else
inline constexpr bool available = false;
#endif

// Below this many multiply-adds the call overhead outweighs BLAS's faster kernel.
inline constexpr std::size_t min_flops = 32 * 32 * 32;

namespace detail {
inline std::atomic<bool>& switch_() {
  static std::atomic<bool> on{true};
  return on;
}
}  // namespace detail

inline void enable(bool on) { detail::switch_().store(on, std::memory_order_relaxed); }
// true when built with BLAS and not switched off
inline bool enabled() { return available && detail::switch_().load(std::memory_order_relaxed); }

// BLAS libraries that start their own threads (OpenBLAS) fight a caller that runs its own
// pool; ctgrad calls BLAS from each of its threads, so it asks for one thread per call.
inline void use_one_thread() {
#if defined(CTGRAD_USE_CBLAS) && defined(OPENBLAS_VERSION)
  openblas_set_num_threads(1);
#endif
}

}  // namespace ctgrad::blas

namespace ctgrad::detail {

// c[M,N] (+)= op(a) op(b) through BLAS, with row strides lda, ldb, ldc; false when BLAS
// is not used for this product
template <bool TA, bool TB, bool Accumulate, class T>
inline bool gemm_blas([[maybe_unused]] std::size_t M, [[maybe_unused]] std::size_t N, [[maybe_unused]] std::size_t K,
                      [[maybe_unused]] const T* a, [[maybe_unused]] std::size_t lda, [[maybe_unused]] const T* b,
                      [[maybe_unused]] std::size_t ldb, [[maybe_unused]] T* c, [[maybe_unused]] std::size_t ldc) {
#if defined(CTGRAD_USE_CBLAS)
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    if (M * N * K < blas::min_flops || !blas::enabled()) return false;
    const auto ta = TA ? CblasTrans : CblasNoTrans, tb = TB ? CblasTrans : CblasNoTrans;
    const auto m = static_cast<int>(M), n = static_cast<int>(N), k = static_cast<int>(K);
    const auto sa = static_cast<int>(lda), sb = static_cast<int>(ldb), sc = static_cast<int>(ldc);
    const T beta = Accumulate ? T{1} : T{0};
    if constexpr (std::is_same_v<T, float>)
      cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, sa, b, sb, beta, c, sc);
    else
      cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, sa, b, sb, beta, c, sc);
    return true;
  }
#endif
  return false;
}

}  // namespace ctgrad::detail

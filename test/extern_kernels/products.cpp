// Built with CTGRAD_EXTERN_KERNELS: this unit declares the matrix kernels' code without
// compiling it (instantiate.cpp does), and its products still match the plain loops.
#define CTGRAD_EXTERN_KERNELS
#include <array>
#include <cstdio>
#include <vector>

#include <ctgrad/kernels/gemm.hpp>

namespace {

template <bool TA, bool TB, bool Accumulate, class T>
int check(std::size_t M, std::size_t N, std::size_t K) {
  std::vector<T> a(M * K), b(K * N), c(M * N), want(M * N);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<T>((i * 7 % 13) - 6) / 8;
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<T>((i * 5 % 11) - 5) / 4;
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = want[i] = static_cast<T>(i % 3);
  ctgrad::detail::gemm<TA, TB, Accumulate>(M, N, K, a.data(), b.data(), c.data());
  ctgrad::detail::gemm_plain<TA, TB, Accumulate>(M, N, K, a.data(), b.data(), want.data());
  for (std::size_t i = 0; i < c.size(); ++i)  // small integers over 8 and 4: every sum exact
    if (c[i] != want[i]) {
      std::printf("gemm<%d,%d,%d> %zux%zux%zu: element %zu is %g, expected %g\n", TA, TB, Accumulate, M, N, K, i,
                  static_cast<double>(c[i]), static_cast<double>(want[i]));
      return 1;
    }
  return 0;
}

template <class T>
int check_all(std::size_t M, std::size_t N, std::size_t K) {
  return check<false, false, false, T>(M, N, K) + check<false, true, true, T>(M, N, K) +
         check<true, false, true, T>(M, N, K) + check<true, true, false, T>(M, N, K);
}

}  // namespace

int products() {
  int failed = 0;
  // an outer product, the outer-product loops, the packed kernel with edge tiles
  for (const auto& [M, N, K] : {std::array<std::size_t, 3>{7, 9, 1}, {5, 17, 3}, {70, 45, 33}})
    failed += check_all<float>(M, N, K) + check_all<double>(M, N, K);
  return failed;
}

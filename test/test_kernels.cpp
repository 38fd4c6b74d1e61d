// The product kernels (include/ctgrad/kernels/): every transpose form, accumulate or not,
// float and double, at sizes that hit whole tiles, edge tiles, several k blocks and the
// small-product path, against the plain loop; and BLAS (when this build has it) against
// ctgrad's own kernels through the run-time switch.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <cstddef>
#include <random>
#include <vector>

#include <ctgrad/kernels/gemm.hpp>

using namespace ctgrad;

namespace {

template <class T>
std::vector<T> random_values(std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(u(rng));
  return v;
}

// The products in double with the bound every summation order meets (Higham's gamma_n):
// |computed - exact| <= n u sum_k |a_ik b_kj| (plus |c_ij| when accumulating), n = K + 1.
template <bool TA, bool TB, bool Acc, class T>
struct reference {
  std::vector<double> value, bound;
  reference(std::size_t M, std::size_t N, std::size_t K, const std::vector<T>& a, const std::vector<T>& b,
            const std::vector<T>& c0)
      : value(M * N), bound(M * N) {
    const double u = std::numeric_limits<T>::epsilon() / 2;
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < N; ++j) {
        double s = Acc ? static_cast<double>(c0[i * N + j]) : 0, m = Acc ? std::abs(s) : 0;
        for (std::size_t k = 0; k < K; ++k) {
          const double p = static_cast<double>(a[TA ? k * M + i : i * K + k]) * static_cast<double>(b[TB ? j * K + k : k * N + j]);
          s += p;
          m += std::abs(p);
        }
        value[i * N + j] = s;
        bound[i * N + j] = static_cast<double>(K + 1) * u * m + std::numeric_limits<T>::denorm_min();
      }
  }
  // how far c is from the exact product, as a fraction of the bound (<= 1 passes)
  double worst(const std::vector<T>& c) const {
    double w = 0;
    for (std::size_t i = 0; i < c.size(); ++i) w = std::max(w, std::abs(static_cast<double>(c[i]) - value[i]) / bound[i]);
    return w;
  }
};

template <bool TA, bool TB, bool Acc, class T>
void check_form(std::size_t M, std::size_t N, std::size_t K, std::mt19937& rng) {
  CAPTURE(M);
  CAPTURE(N);
  CAPTURE(K);
  CAPTURE(TA);
  CAPTURE(TB);
  CAPTURE(Acc);
  const auto a = random_values<T>(M * K, rng), b = random_values<T>(K * N, rng), c0 = random_values<T>(M * N, rng);
  const reference<TA, TB, Acc, T> exact(M, N, K, a, b, c0);
  auto plain = c0, fast = c0, packed = c0;
  detail::gemm_plain<TA, TB, Acc>(M, N, K, a.data(), b.data(), plain.data());
  detail::gemm<TA, TB, Acc>(M, N, K, a.data(), b.data(), fast.data());  // whichever path it takes
  detail::gemm_packed<TA, TB, Acc>(M, N, K, a.data(), b.data(), packed.data());
  CHECK(exact.worst(plain) <= 1);
  CHECK(exact.worst(fast) <= 1);
  CHECK(exact.worst(packed) <= 1);
  if constexpr (!TB) {  // the convolution's outer-product path
    auto rows = c0;
    detail::gemm_rows<TA, Acc>(M, N, K, a.data(), b.data(), rows.data());
    CHECK(exact.worst(rows) <= 1);
  }
  if constexpr (blas::available) {  // BLAS and ctgrad's own kernels
    auto own = c0, with_blas = c0;
    blas::enable(false);
    detail::gemm<TA, TB, Acc>(M, N, K, a.data(), b.data(), own.data());
    blas::enable(true);
    detail::gemm<TA, TB, Acc>(M, N, K, a.data(), b.data(), with_blas.data());
    CHECK(exact.worst(own) <= 1);
    CHECK(exact.worst(with_blas) <= 1);
  }
}

template <class T>
void check_all(std::size_t M, std::size_t N, std::size_t K, std::mt19937& rng) {
  check_form<false, false, false, T>(M, N, K, rng);
  check_form<false, true, false, T>(M, N, K, rng);
  check_form<true, false, false, T>(M, N, K, rng);
  check_form<true, true, false, T>(M, N, K, rng);
  check_form<false, false, true, T>(M, N, K, rng);
  check_form<false, true, true, T>(M, N, K, rng);
  check_form<true, false, true, T>(M, N, K, rng);
  check_form<true, true, true, T>(M, N, K, rng);
}

// sizes: single elements, edge tiles, whole tiles, several k blocks (KC is 128 floats with
// AVX-512), the shapes of the trainer's layers, and few-column products (computed transposed)
constexpr std::size_t shapes[][3] = {{1, 1, 1},   {1, 7, 3},     {5, 1, 9},    {3, 5, 1},    {8, 32, 16},  {9, 33, 17},
                                     {17, 65, 300}, {64, 128, 784}, {128, 784, 64}, {64, 10, 128}, {10, 128, 64}, {64, 128, 10},
                                     {130, 20, 257}, {33, 16, 7}, {100, 5, 300}};

}  // namespace

TEST_CASE("gemm: every form against the plain loop, float") {
  std::mt19937 rng(11);
  for (const auto& s : shapes) check_all<float>(s[0], s[1], s[2], rng);
}

TEST_CASE("gemm: every form against the plain loop, double") {
  std::mt19937 rng(12);
  for (const auto& s : shapes) check_all<double>(s[0], s[1], s[2], rng);
}

TEST_CASE("gemm: exact on small integers (no lost or doubled terms at tile edges)") {
  // products of small integers are exact in float: any difference is a real error
  for (std::size_t M : {7u, 8u, 9u, 70u})
    for (std::size_t N : {31u, 32u, 33u, 100u})
      for (std::size_t K : {1u, 127u, 128u, 129u, 300u}) {
        std::vector<float> a(M * K), b(K * N), c(M * N, -1.0f), expected(M * N, -1.0f);
        for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 5) - 2.0f;
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i % 3) - 1.0f;
        detail::gemm_plain<false, true, true>(M, N, K, a.data(), b.data(), expected.data());
        detail::gemm_packed<false, true, true>(M, N, K, a.data(), b.data(), c.data());
        CAPTURE(M);
        CAPTURE(N);
        CAPTURE(K);
        CHECK(c == expected);
      }
}

TEST_CASE("gemm_rows: exact on small integers for every row count (tiles of 6, 4, 2, 1)") {
  for (std::size_t M = 1; M <= 13; ++M)
    for (std::size_t N : {1u, 7u, 8u, 15u, 16u, 17u, 25u, 100u})
      for (std::size_t K : {1u, 5u, 150u}) {
        std::vector<float> a(M * K), b(K * N), c(M * N, -1.0f), expected(M * N, -1.0f);
        for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 5) - 2.0f;
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i % 3) - 1.0f;
        detail::gemm_plain<false, false, true>(M, N, K, a.data(), b.data(), expected.data());
        detail::gemm_rows<false, true>(M, N, K, a.data(), b.data(), c.data());
        CAPTURE(M);
        CAPTURE(N);
        CAPTURE(K);
        CHECK(c == expected);
      }
}

namespace {
// c (+)= sum over g of a_g b_g^T, summed exactly in small integers
template <class T>
void check_dots(std::size_t M, std::size_t N, std::size_t K, std::size_t G, bool accumulate) {
  std::vector<T> a(G * M * K), b(G * N * K), c(M * N, T(3)), expected(M * N, T(3));
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<T>(i % 7) - T(3);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<T>(i % 5) - T(2);
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t j = 0; j < N; ++j) {
      T s{};
      for (std::size_t g = 0; g < G; ++g)
        for (std::size_t k = 0; k < K; ++k) s += a[g * M * K + i * K + k] * b[g * N * K + j * K + k];
      expected[i * N + j] = accumulate ? expected[i * N + j] + s : s;
    }
  if (accumulate)
    detail::gemm_dots<true>(M, N, K, G, a.data(), M * K, b.data(), N * K, c.data());
  else
    detail::gemm_dots<false>(M, N, K, G, a.data(), M * K, b.data(), N * K, c.data());
  CAPTURE(M);
  CAPTURE(N);
  CAPTURE(K);
  CAPTURE(G);
  CHECK(c == expected);
}
}  // namespace

TEST_CASE("gemm_dots: exact on small integers (tails, tiles and image groups)") {
  for (bool accumulate : {false, true})
    for (std::size_t M : {1u, 2u, 3u, 6u, 16u})
      for (std::size_t N : {1u, 4u, 5u, 25u})
        for (std::size_t K : {1u, 3u, 4u, 7u, 8u, 9u, 100u, 784u})
          for (std::size_t G : {0u, 1u, 4u, 5u}) {
            check_dots<float>(M, N, K, G, accumulate);
            check_dots<double>(M, N, K, G, accumulate);
          }
  // more sums than one panel holds (detail::dots_panel): several column panels, and row panels
  for (bool accumulate : {false, true})
    for (auto [M, N] : {std::pair<std::size_t, std::size_t>{16, 150}, {7, 300}, {200, 5}, {129, 9}})
      for (std::size_t K : {9u, 100u, 300u}) {
        check_dots<float>(M, N, K, 3, accumulate);
        check_dots<double>(M, N, K, 3, accumulate);
      }
}

TEST_CASE("gemm under constant evaluation: the plain loop") {
  constexpr auto c = [] {
    double a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 1, 1}, out[4] = {};
    detail::gemm<false, false, false>(2, 2, 3, a, b, out);  // [2,3] x [3,2]
    return out[0] * 1000 + out[1] * 100 + out[2] * 10 + out[3];
  }();
  static_assert(c == 4 * 1000 + 5 * 100 + 10 * 10 + 11);
  CHECK(c == 4611);
}

TEST_CASE("blas: the switch") {
  CHECK(blas::enabled() == blas::available);
  blas::enable(false);
  CHECK_FALSE(blas::enabled());
  blas::enable(true);
  CHECK(blas::enabled() == blas::available);
}

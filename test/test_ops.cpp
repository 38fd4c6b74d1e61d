// Every op's gradient against central finite differences, several shapes, float and double.
#include "gradcheck.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

using namespace ctgrad;
using test::check_gradient;
using test::range;

namespace {

std::mt19937_64 rng{20261126};

}  // namespace

TEST_CASE_TEMPLATE("elementwise unary ops match finite differences", T, float, double) {
  constexpr auto s = var<"s", T>;
  constexpr auto v = var<"v", T, 4>;
  constexpr auto m = var<"m", T, 2, 3>;
  SUBCASE("scalar") {
    check_gradient(exp(s), rng, {}, s);
    check_gradient(log(s), rng, {0.2, 3}, s);
    check_gradient(sqrt(s), rng, {0.2, 3}, s);
    check_gradient(abs(s), rng, {-2, 2, true}, s);
    check_gradient(sin(s), rng, {-3, 3}, s);
    check_gradient(cos(s), rng, {-3, 3}, s);
    check_gradient(tanh(s), rng, {-3, 3}, s);
    check_gradient(sigmoid(s), rng, {-5, 5}, s);
    check_gradient(relu(s), rng, {-2, 2, true}, s);
    check_gradient(softplus(s), rng, {-5, 5}, s);
    check_gradient(-s, rng, {}, s);
    check_gradient(pow(s, 3), rng, {}, s);
    check_gradient(pow(s, -2), rng, {0.3, 2}, s);
    check_gradient(square(s), rng, {}, s);
    check_gradient(leaky_relu(s) + leaky_relu(s, 0.2), rng, {-2, 2, true}, s);
  }
  SUBCASE("vector and matrix") {
    check_gradient(test::weighted<4>(exp(v), rng), rng, {}, v);
    check_gradient(test::weighted<4>(log(v), rng), rng, {0.2, 3}, v);
    check_gradient(test::weighted<2, 3>(sqrt(m), rng), rng, {0.2, 3}, m);
    check_gradient(test::weighted<2, 3>(abs(m), rng), rng, {-2, 2, true}, m);
    check_gradient(test::weighted<2, 3>(sin(m) + cos(m), rng), rng, {-3, 3}, m);
    check_gradient(test::weighted<2, 3>(tanh(m), rng), rng, {-3, 3}, m);
    check_gradient(test::weighted<4>(sigmoid(v), rng), rng, {-5, 5}, v);
    check_gradient(test::weighted<2, 3>(relu(m), rng), rng, {-2, 2, true}, m);
    check_gradient(test::weighted<2, 3>(softplus(m), rng), rng, {-5, 5}, m);
    check_gradient(test::weighted<4>(pow(v, 4), rng), rng, {}, v);
  }
}

TEST_CASE_TEMPLATE("elementwise binary ops, numbers on either side and broadcasting", T, float, double) {
  constexpr auto a = var<"a", T>;
  constexpr auto b = var<"b", T>;
  constexpr auto u = var<"u", T, 3>;
  constexpr auto m = var<"m", T, 2, 3>;
  constexpr auto n = var<"n", T, 2, 3>;
  SUBCASE("scalars") {
    check_gradient(a + b, rng, {}, a, b);
    check_gradient(a - b, rng, {}, a, b);
    check_gradient(a * b, rng, {}, a, b);
    check_gradient(a / b, rng, {-2, 2, true}, a, b);
    check_gradient(pow(a, b), rng, {0.3, 2}, a, b);
    check_gradient(pow(a, 2.5), rng, {0.3, 2}, a);
    check_gradient(pow(2.0, a), rng, {}, a);
    check_gradient(atan2(a, b), rng, {-2, 2, true}, a, b);
    check_gradient(atan2(a, 0.5) + atan2(-1.5, a), rng, {-2, 2, true}, a);
    check_gradient(2 * a + a * 3.0 - 1 - a / 4 + 5 / a + 1.5 - a, rng, {0.5, 2}, a);
  }
  SUBCASE("same shapes") {
    check_gradient(test::weighted<2, 3>(m + n, rng), rng, {}, m, n);
    check_gradient(test::weighted<2, 3>(m - n, rng), rng, {}, m, n);
    check_gradient(test::weighted<2, 3>(hadamard(m, n), rng), rng, {}, m, n);
    check_gradient(test::weighted<2, 3>(m / n, rng), rng, {-2, 2, true}, m, n);
    check_gradient(test::weighted<2, 3>(pow(m, n), rng), rng, {0.3, 2}, m, n);
    check_gradient(test::weighted<2, 3>(atan2(m, n), rng), rng, {-2, 2, true}, m, n);
    check_gradient(test::weighted<3>(u * u, rng), rng, {}, u);
  }
  SUBCASE("scalar with tensor, either side") {
    check_gradient(test::weighted<2, 3>(a * m, rng), rng, {}, a, m);
    check_gradient(test::weighted<2, 3>(m - a, rng), rng, {}, a, m);
    check_gradient(test::weighted<2, 3>(a / m, rng), rng, {-2, 2, true}, a, m);
    check_gradient(test::weighted<2, 3>(2 * m + 1, rng), rng, {}, m);
  }
  SUBCASE("row vector over every row") {
    check_gradient(test::weighted<2, 3>(m + u, rng), rng, {}, m, u);
    check_gradient(test::weighted<2, 3>(u - m, rng), rng, {}, m, u);
    check_gradient(test::weighted<2, 3>(hadamard(m, u), rng), rng, {}, m, u);
    check_gradient(test::weighted<2, 3>(m / u, rng), rng, {-2, 2, true}, m, u);
    check_gradient(test::weighted<2, 3>(atan2(u, m), rng), rng, {-2, 2, true}, m, u);
  }
}

TEST_CASE_TEMPLATE("matmul, transpose and reductions", T, float, double) {
  constexpr auto A = var<"A", T, 3, 4>;
  constexpr auto B = var<"B", T, 4, 2>;
  constexpr auto x = var<"x", T, 4>;
  constexpr auto X = var<"X", T, 5, 4>;
  constexpr auto W = var<"W", T, 3, 4>;
  constexpr auto b = var<"b", T, 3>;
  check_gradient(test::weighted<3, 2>(A * B, rng), rng, {}, A, B);
  check_gradient(test::weighted<3, 2>(matmul(A, B), rng), rng, {}, A, B);
  check_gradient(test::weighted<3>(A * x, rng), rng, {}, A, x);
  check_gradient(test::weighted<4, 3>(transpose(A), rng), rng, {}, A);
  // a batch through a linear layer: X W^T + b
  check_gradient(test::weighted<5, 3>(X * transpose(W) + b, rng), rng, {}, X, W, b);
  check_gradient(sum(A), rng, {}, A);
  check_gradient(mean(A) * sum(x), rng, {}, A, x);
  check_gradient(sum(relu(W * x + b)), rng, {}, W, x, b);
}

TEST_CASE_TEMPLATE("products read transposed operands in place", T, float, double) {
  constexpr auto A = var<"A", T, 4, 3>;
  constexpr auto B = var<"B", T, 4, 2>;
  constexpr auto C = var<"C", T, 2, 3>;
  constexpr auto x = var<"x", T, 4>;
  constexpr auto X = var<"X", T, 6, 5>;
  constexpr auto W = var<"W", T, 7, 5>;
  static_assert(std::is_same_v<decltype(X * transpose(W)),
                               node<op::matmul_t<false, true>, std::remove_const_t<decltype(X)>,
                                    std::remove_const_t<decltype(W)>>>);
  static_assert(std::is_same_v<decltype(matmul(transpose(A), B)),
                               node<op::matmul_t<true, false>, std::remove_const_t<decltype(A)>,
                                    std::remove_const_t<decltype(B)>>>);
  check_gradient(test::weighted<6, 7>(X * transpose(W), rng), rng, {}, X, W);
  check_gradient(test::weighted<3, 2>(transpose(A) * B, rng), rng, {}, A, B);
  check_gradient(test::weighted<3>(transpose(A) * x, rng), rng, {}, A, x);
  constexpr auto D = var<"D", T, 2, 4>;
  check_gradient(test::weighted<3, 2>(transpose(A) * transpose(D), rng), rng, {}, A, D);
  check_gradient(test::weighted<2, 2>(C * transpose(C), rng), rng, {}, C);  // one leaf, both sides
}

// The run-time kernels (register tiles, vector tails, scalar tails) against the plain
// loops, with sizes that leave remainders of every blocking for 16-, 32- and 64-byte vectors.
template <class T, bool TA, bool TB, std::size_t M, std::size_t N, std::size_t K>
void check_kernel() {
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> a(M * K), b(K * N), c(M * N, T(0.5)), ref(M * N, T(0.5));
  for (auto& v : a) v = static_cast<T>(u(rng));
  for (auto& v : b) v = static_cast<T>(u(rng));
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
  INFO("M N K " << M << " " << N << " " << K << " TA " << TA << " TB " << TB);
  detail::gemm<TA, TB, true>(M, N, K, a.data(), b.data(), c.data());
  detail::gemm_plain<TA, TB, true>(M, N, K, a.data(), b.data(), ref.data());
  for (std::size_t i = 0; i < M * N; ++i) CHECK(c[i] == doctest::Approx(ref[i]).epsilon(tol));
  detail::gemm<TA, TB, false>(M, N, K, a.data(), b.data(), c.data());
  detail::gemm_plain<TA, TB, false>(M, N, K, a.data(), b.data(), ref.data());
  for (std::size_t i = 0; i < M * N; ++i) CHECK(c[i] == doctest::Approx(ref[i]).epsilon(tol));
}
template <class T, std::size_t M, std::size_t N, std::size_t K>
void check_kernels() {
  check_kernel<T, false, false, M, N, K>();
  check_kernel<T, false, true, M, N, K>();
  check_kernel<T, true, false, M, N, K>();
  check_kernel<T, true, true, M, N, K>();
}

TEST_CASE_TEMPLATE("matrix product kernels agree with the plain loops", T, float, double) {
  check_kernels<T, 7, 19, 37>();
  check_kernels<T, 9, 53, 70>();   // 53 = 32 + 16 + 5 columns: a vector tail and a scalar tail
  check_kernels<T, 8, 48, 1>();    // inner dimension 1: an outer product
  check_kernels<T, 1, 1, 100>();   // one dot product
}

TEST_CASE("composite expressions from the benchmarks") {
  constexpr auto x = var<"x">;
  constexpr auto y = var<"y">;
  constexpr auto z = var<"z">;
  check_gradient(x * y * z + sin(x) * exp(y) + log(z) / x + pow(x, 3), rng, {0.5, 2}, x, y, z);
  constexpr auto v = var<"v", double, 10>;
  check_gradient(log(sum(exp(v))), rng, {}, v);
  check_gradient(sum(log(v)), rng, {0.5, 2}, v);
}

TEST_CASE("stop_gradient blocks one path only") {
  constexpr auto a = var<"a">;
  constexpr auto e = a * stop_gradient(a);  // d/da = stop(a) = a, not 2a
  const auto g = grad(e, at(a = 3.0));
  CHECK(g[a] == 3.0);
  CHECK(value(e, at(a = 3.0)) == 9.0);
  const auto g2 = grad(stop_gradient(a * a), at(a = 3.0));  // nothing flows: zero
  CHECK(g2[a] == 0.0);
}

TEST_CASE_TEMPLATE("a scalar node of exp, log or sigmoid takes <cmath>'s value; a tensor's elements the vector form",
                   T, float, double) {
  constexpr auto s = var<"s", T>;
  constexpr auto v = var<"v", T, 5>;
  const T inf = std::numeric_limits<T>::infinity();
  // edge cases, then values where the vector forms and <cmath> often differ in the last bit
  std::vector<T> xs = {T(0.3), T(-2.5), T(11), T(0), inf, -inf, std::numeric_limits<T>::quiet_NaN()};
  std::mt19937_64 rng{7};
  std::uniform_real_distribution<T> u(T(-20), T(20));
  for (int i = 0; i < 200; ++i) xs.push_back(u(rng));
  // bit for bit (NaN as NaN): the scalar form is <cmath>'s, the tensor form ctgrad::math's
  // (the vector forms where test_ops_native has AVX2 and FMA)
  auto same = [](T a, T b) {
    using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    return (a != a && b != b) || std::bit_cast<U>(a) == std::bit_cast<U>(b);
  };
  for (const T x : xs) {
    CAPTURE(x);
    CHECK(same(value(exp(s), at(s = x)), std::exp(x)));
    CHECK(same(value(sigmoid(s), at(s = x)), math::sigmoid_one(x)));
    if (x > T(0)) CHECK(same(value(log(s), at(s = x)), std::log(x)));
    if (x < T(0)) CHECK(same(value(log(s), at(s = -x)), std::log(-x)));
    const tensor<T, 5> t = tensor<T, 5>::filled(x);
    const auto e = value(exp(v), at(v = t));
    for (std::size_t i = 0; i < 5; ++i) CHECK(same(e[i], math::exp(x)));
  }
  // sigmoid_one keeps both sides finite
  CHECK(math::sigmoid_one(T(-800)) == T(0));
  CHECK(math::sigmoid_one(T(800)) == T(1));
  CHECK(math::sigmoid_one(T(0)) == T(0.5));
  // and the gradient of a scalar node is unchanged: d/dx e^x = e^x, the value it stored
  CHECK(same(grad(exp(s), at(s = T(0.7)))[s], std::exp(T(0.7))));
}

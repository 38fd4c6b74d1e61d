// The elementwise functions beyond the basic ones (log1p ... clamp, minimum, maximum),
// comparisons and where: finite differences, PyTorch's values and gradients, and a dynamic batch.
#include "gradcheck.hpp"
#include "reference/torch_values.hpp"
#include "same_as_static.hpp"

#include <vector>

using namespace ctgrad;
using test::check_gradient;
using test::range;

namespace {

std::mt19937_64 rng{20261201};

}  // namespace

TEST_CASE_TEMPLATE("the other elementwise functions match finite differences", T, float, double) {
  constexpr auto s = var<"s", T>;
  constexpr auto b = var<"b", T>;
  constexpr auto v = var<"v", T, 4>;
  constexpr auto m = var<"m", T, 2, 3>;
  constexpr auto n = var<"n", T, 2, 3>;
  SUBCASE("scalar") {
    check_gradient(log1p(s), rng, {-0.8, 3}, s);
    check_gradient(expm1(s), rng, {-3, 3}, s);
    check_gradient(atan(s), rng, {-3, 3}, s);
    check_gradient(asin(s) + acos(s * 0.5), rng, {-0.9, 0.9}, s);
    check_gradient(sinh(s) + cosh(s), rng, {-3, 3}, s);
    check_gradient(erf(s), rng, {-2.5, 2.5}, s);
    check_gradient(sign(s) + s, rng, {-2, 2, true}, s);
    check_gradient(leaky_relu(s) + leaky_relu(s, 0.2), rng, {-2, 2, true}, s);
    check_gradient(elu(s) + elu(s, 0.5), rng, {-2, 2, true}, s);
    check_gradient(gelu(s), rng, {-3, 3}, s);
    check_gradient(silu(s), rng, {-5, 5}, s);
    check_gradient(clamp(s, -0.5, 0.7), rng, {-2, 2, true}, s);
  }
  SUBCASE("vector and matrix") {
    check_gradient(test::weighted<2, 3>(log1p(m) + expm1(m) + atan(m), rng), rng, {-0.8, 2}, m);
    check_gradient(test::weighted<4>(asin(v) - acos(v), rng), rng, {-0.9, 0.9}, v);
    check_gradient(test::weighted<2, 3>(sinh(m) * 0.5 + cosh(m) + erf(m), rng), rng, {-2, 2}, m);
    check_gradient(test::weighted<2, 3>(gelu(m) + silu(m) + elu(m) + leaky_relu(m, 0.1), rng), rng, {-2, 2, true}, m);
    check_gradient(test::weighted<4>(clamp(v, -1, 1) + sign(v), rng), rng, {-2, 2, true}, v);
  }
  SUBCASE("minimum and maximum") {
    check_gradient(minimum(s, b) + 2 * maximum(s, b), rng, {-2, 2}, s, b);
    check_gradient(minimum(s, 0.3) + maximum(-0.4, s), rng, {-2, 2}, s);
    check_gradient(test::weighted<2, 3>(minimum(m, n) - maximum(m, n) * 3, rng), rng, {-2, 2}, m, n);
  }
}

// ---------------------------------------------------------------------------------------------
// The elementwise functions against PyTorch (test/reference/torch_reference.py, float64): the
// value and the gradient of sum(w * f(x)) on nine fixed inputs each.
namespace {

tensor<double, 9> nine(const double (&values)[9]) {
  tensor<double, 9> t{};
  for (std::size_t i = 0; i < 9; ++i) t.flat(i) = values[i];
  return t;
}

void check_near(const tensor<double, 9>& got, const double (&want)[9]) {
  for (std::size_t i = 0; i < 9; ++i) {
    CAPTURE(i);
    CHECK(got.flat(i) == doctest::Approx(want[i]).epsilon(1e-12).scale(1e-300));
  }
}

constexpr auto X = input<"x", double, 9>;
constexpr auto Y = input<"y", double, 9>;
constexpr auto Wt = input<"w", double, 9>;

template <class F>
void check_unary(F f, const double (&x)[9], const double (&y)[9], const double (&dx)[9]) {
  constexpr auto v = var<"v", double, 9>;
  check_near(value(f(X), at(X = nine(x))), y);
  check_near(grad(sum(hadamard(f(v), Wt)), at(v = nine(x), Wt = nine(torch_ref::ew_w)))[v], dx);
}

}  // namespace

TEST_CASE("elementwise functions against PyTorch: values and gradients") {
  using namespace torch_ref;
  // clang-format off
#define CTGRAD_TORCH_UNARY(name, ...) \
  SUBCASE(#name) check_unary([](const auto& x) { return __VA_ARGS__; }, ew_##name##_x, ew_##name##_y, ew_##name##_dx)
  CTGRAD_TORCH_UNARY(log1p, log1p(x));
  CTGRAD_TORCH_UNARY(expm1, expm1(x));
  CTGRAD_TORCH_UNARY(atan, atan(x));
  CTGRAD_TORCH_UNARY(asin, asin(x));
  CTGRAD_TORCH_UNARY(acos, acos(x));
  CTGRAD_TORCH_UNARY(sinh, sinh(x));
  CTGRAD_TORCH_UNARY(cosh, cosh(x));
  CTGRAD_TORCH_UNARY(erf, erf(x));
  CTGRAD_TORCH_UNARY(sign, sign(x));
  CTGRAD_TORCH_UNARY(gelu, gelu(x));
  CTGRAD_TORCH_UNARY(silu, silu(x));
  CTGRAD_TORCH_UNARY(softplus, softplus(x));
  CTGRAD_TORCH_UNARY(elu, elu(x, 0.7));
  CTGRAD_TORCH_UNARY(leaky_relu, leaky_relu(x, 0.2));
  CTGRAD_TORCH_UNARY(clamp, clamp(x, -0.5, 0.8));
  CTGRAD_TORCH_UNARY(where, where(x > 0.3, sin(x), hadamard(x, x)));
#undef CTGRAD_TORCH_UNARY
  // clang-format on
  constexpr auto a = var<"a", double, 9>;
  constexpr auto b = var<"b", double, 9>;
  const auto binary = [&](const auto& f, const double (&av)[9], const double (&bv)[9], const double (&y)[9],
                          const double (&da)[9], const double (&db)[9]) {
    check_near(value(f(X, Y), at(X = nine(av), Y = nine(bv))), y);
    const auto g = grad(sum(hadamard(f(a, b), Wt)), at(a = nine(av), b = nine(bv), Wt = nine(ew_w)));
    check_near(g[a], da);
    check_near(g[b], db);
  };
  SUBCASE("atan2") binary([](const auto& p, const auto& q) { return atan2(p, q); }, ew_atan2_a, ew_atan2_b, ew_atan2_y, ew_atan2_da, ew_atan2_db);
  SUBCASE("minimum") binary([](const auto& p, const auto& q) { return minimum(p, q); }, ew_minimum_a, ew_minimum_b, ew_minimum_y, ew_minimum_da, ew_minimum_db);
  SUBCASE("maximum") binary([](const auto& p, const auto& q) { return maximum(p, q); }, ew_maximum_a, ew_maximum_b, ew_maximum_y, ew_maximum_da, ew_maximum_db);
}

TEST_CASE_TEMPLATE("comparisons give 0/1 masks with no gradient; where takes one branch", T, float, double) {
  constexpr auto a = var<"a", T, 2, 3>;
  constexpr auto b = var<"b", T, 2, 3>;
  constexpr auto r = var<"r", T, 3>;
  constexpr auto s = var<"s", T>;
  const tensor<T, 2, 3> av{{1, 2, 3}, {4, 5, 6}}, bv{{3, 2, 1}, {4, 0, 9}};
  const auto lt = value(a < b, at(a = av, b = bv));
  CHECK(lt == tensor<T, 2, 3>{{1, 0, 0}, {0, 0, 1}});
  CHECK(value(a <= b, at(a = av, b = bv)) == tensor<T, 2, 3>{{1, 1, 0}, {1, 0, 1}});
  CHECK(value(a > 2, at(a = av)) == tensor<T, 2, 3>{{0, 0, 1}, {1, 1, 1}});
  CHECK(value(2 >= a, at(a = av)) == tensor<T, 2, 3>{{1, 1, 0}, {0, 0, 0}});
  CHECK(value(a == b, at(a = av, b = bv)) == tensor<T, 2, 3>{{0, 1, 0}, {1, 0, 0}});
  CHECK(value(a != b, at(a = av, b = bv)) == tensor<T, 2, 3>{{1, 0, 1}, {0, 1, 1}});
  // no gradient through a mask: only the product's other factor counts
  const auto g = grad(sum(hadamard(a < b, a)), at(a = av, b = bv));
  CHECK(g[a] == tensor<T, 2, 3>{{1, 0, 0}, {0, 0, 1}});
  CHECK(g[b] == tensor<T, 2, 3>{});
  // the value reads only the branch taken; the gradient of the branch not taken is 0 times
  // its derivative (NaN where that is infinite, as in PyTorch), unless its input is kept in
  // its domain by a second where
  const tensor<T, 2, 3> edge{{0, 1, 2}, {-1, 4, 0}};
  const auto naive = grad(sum(where(a > 0, log(a), T(0))), at(a = edge));
  CHECK(naive.value() == doctest::Approx(std::log(8.0)));
  CHECK(std::isnan(naive[a](0, 0)));
  CHECK(naive[a](0, 2) == T(0.5));
  const auto safe = grad(sum(where(a > 0, log(where(a > 0, a, T(1))), T(0))), at(a = edge));
  CHECK(safe.value() == doctest::Approx(std::log(8.0)));
  CHECK(safe[a] == tensor<T, 2, 3>{{0, 1, T(0.5)}, {0, T(0.25), 0}});
  SUBCASE("finite differences, broadcast operands included") {
    // (masks of inputs kept away from 0: no difference quotient straddles a switch)
    check_gradient(test::weighted<2, 3>(where(a > 0, sin(a), hadamard(a, b)), rng), rng, {-2, 2, true}, a, b);
    check_gradient(test::weighted<2, 3>(where(a > 0, r, s), rng), rng, {-2, 2, true}, a, r, s);
    check_gradient(test::weighted<2, 3>(where(r > 0, a, exp(s)), rng), rng, {-2, 2, true}, a, r, s);
  }
}

// (two expressions: a schedule's compile cost grows faster than its length, above all under ASan)
TEST_CASE_TEMPLATE("the other elementwise functions, comparisons and where with a dynamic batch, bit for bit", T, float, double) {
  test::same_as_static_rows<T>([](auto X, auto Y, auto, auto, auto, auto, auto) {
    return sum(log1p(abs(X)) + expm1(Y) + atan(X) + asin(X * 0.5) + acos(Y * 0.5) + sinh(X) + cosh(Y) + erf(X) +
               gelu(X) + silu(Y));
  });
  test::same_as_static_rows<T>([](auto X, auto Y, auto, auto, auto, auto v, auto s) {
    return sum(elu(X) + leaky_relu(Y, 0.2) + clamp(X, -0.3, 0.3) + sign(Y) + minimum(X, Y) + maximum(X, v) +
               where(X > Y, X, hadamard(Y, Y)) + where(Y <= 1, v, s) + (X == Y));
  });
}

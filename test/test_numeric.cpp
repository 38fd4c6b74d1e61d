// Numerical edge cases: values and gradients at the edges of each function's domain follow
// IEEE arithmetic (documented in the README), never undefined behaviour, in float and
// double, at run time and in constant expressions.
#include <doctest/doctest.h>

#include <cmath>
#include <ctgrad/ctgrad.hpp>
#include <limits>

using namespace ctgrad;

namespace {
template <class T>
constexpr T inf = std::numeric_limits<T>::infinity();
template <class T>
constexpr T quiet_nan = std::numeric_limits<T>::quiet_NaN();
}  // namespace

TEST_CASE_TEMPLATE("log and sqrt at 0 and below", T, float, double) {
  constexpr auto x = var<"x", T>;
  const auto lg0 = grad(log(x), at(x = T(0)));
  CHECK(lg0.value() == -inf<T>);
  CHECK(lg0[x] == inf<T>);
  const auto lgn = grad(log(x), at(x = T(-1)));
  CHECK(std::isnan(lgn.value()));
  const auto sq0 = grad(sqrt(x), at(x = T(0)));
  CHECK(sq0.value() == T(0));
  CHECK(sq0[x] == inf<T>);
  const auto sqn = grad(sqrt(x), at(x = T(-4)));
  CHECK(std::isnan(sqn.value()));
  CHECK(std::isnan(sqn[x]));
  static_assert(value(log(x), at(x = T(0))) == -inf<T>);
  static_assert(value(sqrt(x), at(x = T(0))) == T(0));
}

TEST_CASE_TEMPLATE("exp overflows to infinity; tanh and sigmoid saturate with zero gradient", T, float, double) {
  constexpr auto x = var<"x", T>;
  const auto e = grad(exp(x), at(x = T(1000)));
  CHECK(e.value() == inf<T>);
  CHECK(e[x] == inf<T>);
  const auto e0 = grad(exp(x), at(x = T(-1000)));
  CHECK(e0.value() == T(0));
  CHECK(e0[x] == T(0));
  for (T v : {T(1000), T(-1000)}) {
    const auto t = grad(tanh(x), at(x = v));
    CHECK(t.value() == (v > 0 ? T(1) : T(-1)));
    CHECK(t[x] == T(0));
    const auto s = grad(sigmoid(x), at(x = v));
    CHECK(s.value() == (v > 0 ? T(1) : T(0)));
    CHECK(s[x] == T(0));
    CHECK(!std::isnan(s[x]));
  }
  static_assert(grad(tanh(x), at(x = T(1000)))[x] == T(0));
  static_assert(grad(sigmoid(x), at(x = T(-1000)))[x] == T(0));
}

TEST_CASE_TEMPLATE("NaN propagates to the value and every gradient it touches", T, float, double) {
  constexpr auto x = var<"x", T>;
  constexpr auto y = var<"y", T>;
  const auto g = grad(exp(x) * y + relu(x) + square(y), at(x = quiet_nan<T>, y = T(2)));
  CHECK(std::isnan(g.value()));
  CHECK(std::isnan(g[x]));
  CHECK(std::isnan(g[y]));  // y's gradient is exp(x) + 2y
  constexpr auto w = var<"w", T, 3>;
  const auto v = grad(sum(tanh(w)), at(w = tensor<T, 3>{T(1), quiet_nan<T>, T(-1)}));
  CHECK(!std::isnan(v[w](0)));  // elementwise: only the NaN's own gradient is NaN
  CHECK(std::isnan(v[w](1)));
}

TEST_CASE_TEMPLATE("cross_entropy with logits of 1e4", T, float, double) {
  constexpr auto Z = var<"Z", T, 2, 3>;
  constexpr auto labels = input<"labels", int, 2>;
  const tensor<T, 2, 3> z{{T(1e4), T(-1e4), T(0)}, {T(-1e4), T(-1e4), T(1e4)}};
  const auto g = grad(nn::cross_entropy(Z, labels), at(Z = z, labels = tensor<int, 2>{1, 2}));
  CHECK(std::isfinite(g.value()));
  CHECK(g.value() == doctest::Approx(1e4).epsilon(1e-4));  // row 0 is off by 2e4, row 1 right: mean 1e4
  for (std::size_t i = 0; i < 6; ++i) CHECK(std::isfinite(g[Z].flat(i)));
  CHECK(g[Z](0, 0) == doctest::Approx(0.5));
  CHECK(g[Z](0, 1) == doctest::Approx(-0.5));
}

TEST_CASE_TEMPLATE("the other elementwise functions at their edges", T, float, double) {
  constexpr auto x = var<"x", T>;
  constexpr auto y = var<"y", T>;
  const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
  // log1p and expm1 keep tiny arguments, where log(1 + x) and exp(x) - 1 lose them
  const T tiny = T(1e-20);
  CHECK(value(log1p(x), at(x = tiny)) == tiny);
  CHECK(value(expm1(x), at(x = tiny)) == tiny);
  CHECK(value(log1p(x), at(x = T(-1))) == -inf);
  CHECK(grad(log1p(x), at(x = T(-1)))[x] == inf);
  // asin and acos: infinite slope at +-1, NaN outside
  CHECK(grad(asin(x), at(x = T(1)))[x] == inf);
  CHECK(grad(acos(x), at(x = T(-1)))[x] == -inf);
  CHECK(std::isnan(value(asin(x), at(x = T(1.5)))));
  // sinh, cosh overflow to inf; erf saturates with a zero gradient, never NaN
  CHECK(value(sinh(x), at(x = T(1000))) == inf);
  CHECK(grad(cosh(x), at(x = T(-1000)))[x] == -inf);
  const auto e = grad(erf(x) + gelu(y), at(x = T(1000), y = T(-1000)));
  CHECK(e.value() == T(1));
  CHECK(e[x] == T(0));
  CHECK(e[y] == T(0));
  const auto big = grad(gelu(x) + silu(y), at(x = T(1000), y = T(-1000)));
  CHECK(big.value() == T(1000));
  CHECK(big[x] == T(1));
  CHECK(big[y] == T(0));
  CHECK(value(elu(x), at(x = T(-1000))) == T(-1));
  // a NaN reaches what it reaches: minimum, maximum, clamp, sign propagate it
  CHECK(std::isnan(value(minimum(x, y), at(x = nan, y = T(1)))));
  CHECK(std::isnan(value(maximum(x, y), at(x = T(1), y = nan))));
  CHECK(std::isnan(value(clamp(x, 0, 1), at(x = nan))));
  CHECK(std::isnan(value(sign(x), at(x = nan))));
  CHECK(std::signbit(value(sign(x), at(x = T(-0.0)))));
}

TEST_CASE_TEMPLATE("softplus at +-800: finite value, gradient 1 and 0; atan2 at the origin", T, float, double) {
  constexpr auto x = var<"x", T>;
  constexpr auto y = var<"y", T>;
  const auto big = grad(softplus(x), at(x = T(800)));
  CHECK(big.value() == T(800));
  CHECK(big[x] == T(1));
  const auto small = grad(softplus(x), at(x = T(-800)));
  CHECK(small.value() == T(0));
  CHECK(small[x] == T(0));
  static_assert(grad(softplus(x), at(x = T(800)))[x] == T(1));
  // atan2's gradient is undefined at (0, 0): NaN, as in PyTorch; finite at tiny and huge radii
  const auto origin = grad(atan2(y, x), at(x = T(0), y = T(0)));
  CHECK(origin.value() == T(0));
  CHECK(std::isnan(origin[x]));
  CHECK(std::isnan(origin[y]));
  const T tiny = std::numeric_limits<T>::min() * T(4);
  const auto near0 = grad(atan2(y, x), at(x = tiny, y = tiny));  // d/dy = x / (x^2 + y^2) = 1 / (2 tiny)
  CHECK(std::isfinite(near0[y]));
  CHECK(near0[y] == doctest::Approx(T(1) / (T(2) * tiny)));
  const T huge = std::numeric_limits<T>::max() / T(4);
  const auto far = grad(atan2(y, x), at(x = huge, y = -huge));
  CHECK(far.value() == doctest::Approx(-std::atan(1.0)));
  CHECK(far[x] == doctest::Approx(T(1) / (T(2) * huge)));
}

// x / b with b one number broadcast is a reciprocal and multiplies (fn::div::by_scalar):
// within 2 ulp of the division for every b, including the subnormal, the huge, 0, infinity
// and NaN, where the reciprocal alone would overflow or lose bits.
TEST_CASE_TEMPLATE("division by a broadcast scalar: within 2 ulp of a / b at every magnitude", T, float, double) {
  using lim = std::numeric_limits<T>;
  constexpr auto v = var<"v", T, 6>;
  constexpr auto b = var<"b", T>;
  const tensor<T, 6> a{T(1), T(-3), lim::min(), lim::max() / T(4), lim::denorm_min() * T(7), T(0)};
  auto ulps = [](T got, T want) {
    if (got == want || (std::isnan(got) && std::isnan(want))) return 0;
    int n = 0;
    for (T x = want; x != got && n < 10; ++n) x = std::nextafter(x, got);
    return n;
  };
  for (const T bv : {T(3), T(-7.25), lim::min(), lim::min() * T(3), lim::denorm_min(), lim::denorm_min() * T(1000),
                     lim::max(), lim::max() / T(3), T(1e-3), T(0), -T(0), inf<T>, -inf<T>, quiet_nan<T>}) {
    CAPTURE(bv);
    const auto g = grad(sum(v / b), at(v = a, b = bv));
    const auto y = value(v / b, at(v = a, b = bv));
    T db = 0;
    for (std::size_t i = 0; i < 6; ++i) {
      CAPTURE(i);
      CHECK(ulps(y[i], a[i] / bv) <= 2);
      CHECK(ulps(g[v][i], T(1) / bv) <= 2);
      db += -(a[i] / bv) / bv;
    }
    if (std::isfinite(db) && std::abs(db) > lim::min()) CHECK(std::abs(g[b] - db) <= T(8) * lim::epsilon() * std::abs(db));
  }
  static_assert(value(v / b, at(v = tensor<T, 6>{1, 2, 3, 4, 5, 6}, b = T(4)))[2] == T(0.75));
}

// The library's constexpr math against <cmath>, over wide ranges, in ulps.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <ctgrad/math/constexpr_math.hpp>
#include <ctgrad/math/scalar.hpp>
#include <ctgrad/math/vector_math.hpp>

namespace cx = ctgrad::detail::cx;
namespace vx = ctgrad::detail::vx;

namespace {

std::int64_t ulp_distance(double a, double b) {
  if (a == b || (std::isnan(a) && std::isnan(b))) return 0;
  std::int64_t x, y;
  std::memcpy(&x, &a, 8);
  std::memcpy(&y, &b, 8);
  if ((x < 0) != (y < 0)) return INT64_MAX;
  return x > y ? x - y : y - x;
}

template <class F, class G>
std::int64_t worst_ulps(F f, G g, double lo, double hi) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(lo, hi);
  std::int64_t worst = 0;
  for (int i = 0; i < 100000; ++i) {
    const double x = u(rng);
    worst = std::max(worst, ulp_distance(f(x), g(x)));
  }
  return worst;
}

}  // namespace

TEST_CASE("constexpr exp, log, sqrt, sin, cos, tanh are within a few ulp of <cmath>") {
  CHECK(worst_ulps(cx::exp, [](double x) { return std::exp(x); }, -700, 700) <= 2);
  CHECK(worst_ulps(cx::expm1, [](double x) { return std::expm1(x); }, -1, 1) <= 4);
  CHECK(worst_ulps(cx::log, [](double x) { return std::log(x); }, 1e-300, 1e300) <= 2);
  CHECK(worst_ulps(cx::log, [](double x) { return std::log(x); }, 0.5, 2) <= 2);
  CHECK(worst_ulps(cx::sqrt, [](double x) { return std::sqrt(x); }, 0, 1e12) <= 1);
  CHECK(worst_ulps(cx::sin, [](double x) { return std::sin(x); }, -100, 100) <= 2);
  CHECK(worst_ulps(cx::cos, [](double x) { return std::cos(x); }, -100, 100) <= 2);
  CHECK(worst_ulps(cx::tanh, [](double x) { return std::tanh(x); }, -30, 30) <= 4);
  CHECK(worst_ulps(cx::tanh, [](double x) { return std::tanh(x); }, -0.2, 0.2) <= 4);
}

TEST_CASE("constexpr pow: error grows with |y log x|, as documented") {
  // exp(y log x) amplifies log's rounding by |y log x|; allow 4 ulp per unit of it
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> ux(0.01, 10), uy(-20, 20);
  for (int i = 0; i < 100000; ++i) {
    const double x = ux(rng), y = uy(rng);
    const double amplification = std::max(1.0, std::abs(y * std::log(x)));
    REQUIRE(ulp_distance(cx::pow(x, y), std::pow(x, y)) <= 4 * amplification + 2);
  }
  CHECK(cx::pow(2.0, 10.0) == 1024.0);
  CHECK(cx::pow(-2.0, 3.0) == -8.0);
  CHECK(std::isnan(cx::pow(-2.0, 0.5)));
}

TEST_CASE("edge values: no overflow, no UB") {
  CHECK(cx::exp(1000.0) == INFINITY);
  CHECK(cx::exp(-1000.0) == 0.0);
  CHECK(cx::tanh(1000.0) == 1.0);
  CHECK(cx::tanh(-1000.0) == -1.0);
  CHECK(std::isnan(cx::log(-1.0)));
  CHECK(cx::log(0.0) == -INFINITY);
  CHECK(std::isnan(cx::sqrt(-1.0)));
  CHECK(std::isnan(cx::exp(NAN)));
  CHECK(ctgrad::math::sigmoid(1000.0) == 1.0);
  CHECK(ctgrad::math::sigmoid(-1000.0) == 0.0);
  CHECK(ctgrad::math::sigmoid(-1000.0f) == 0.0f);
  static_assert(ctgrad::math::sigmoid(-1000.0) == 0.0 && ctgrad::math::tanh(800.0) == 1.0);
}

TEST_CASE("float results are the double result rounded once") {
  static_assert(ctgrad::math::exp(1.0f) == static_cast<float>(cx::exp(1.0)));
  CHECK(std::abs(ctgrad::math::exp(1.0f) - std::exp(1.0f)) <= 2 * std::numeric_limits<float>::epsilon() * std::exp(1.0f));
}

TEST_CASE_TEMPLATE("sqrt_nonnegative: within 1 ulp of std::sqrt, vectorisable", T, float, double) {
  std::mt19937_64 gen(5);
  std::uniform_real_distribution<double> exponent(-30, 30);
  int worst = 0;
  for (int i = 0; i < 100000; ++i) {
    const T x = static_cast<T>(std::pow(10.0, exponent(gen)));
    const T got = ctgrad::math::sqrt_nonnegative(x), want = std::sqrt(x);
    int ulps = 0;
    for (T v = want; v != got && ulps < 100; ++ulps) v = std::nextafter(v, got);
    worst = std::max(worst, ulps);
  }
  CHECK(worst <= 1);
  CHECK(ctgrad::math::sqrt_nonnegative(T(0)) == T(0));
  CHECK(ctgrad::math::sqrt_nonnegative(T(4)) == doctest::Approx(2.0));
  CHECK(std::isnan(ctgrad::math::sqrt_nonnegative(std::numeric_limits<T>::quiet_NaN())));
  CHECK(ctgrad::math::sqrt_nonnegative(std::numeric_limits<T>::infinity()) == std::numeric_limits<T>::infinity());
  static_assert(ctgrad::math::sqrt_nonnegative(T(9)) == T(3));
}

TEST_CASE_TEMPLATE("sqrt_nonnegative: subnormal and extreme inputs, within 1 ulp", T, float, double) {
  // subnormals (an optimizer's decayed state reaches them) and the ends of the range
  std::vector<T> xs = {std::numeric_limits<T>::denorm_min(), std::numeric_limits<T>::min(),
                       std::nextafter(std::numeric_limits<T>::min(), T(0)), std::numeric_limits<T>::max()};
  std::mt19937_64 gen(9);
  std::uniform_int_distribution<int> mantissa(1, 1 << 20);
  for (int i = 0; i < 2000; ++i) xs.push_back(std::numeric_limits<T>::denorm_min() * static_cast<T>(mantissa(gen)));
  int worst = 0;
  for (const T x : xs) {
    const T got = ctgrad::math::sqrt_nonnegative(x), want = std::sqrt(x);
    int ulps = 0;
    for (T v = want; v != got && ulps < 100; ++ulps) v = std::nextafter(v, got);
    CAPTURE(x);
    worst = std::max(worst, ulps);
  }
  CHECK(worst <= 1);
}

TEST_CASE("constexpr log1p, atan and atan2 are within a few ulp of <cmath>") {
  CHECK(worst_ulps(cx::log1p, [](double x) { return std::log1p(x); }, -0.9, 1) <= 3);
  CHECK(worst_ulps(cx::log1p, [](double x) { return std::log1p(x); }, -1e-10, 1e-10) <= 3);
  CHECK(worst_ulps(cx::log1p, [](double x) { return std::log1p(x); }, 1, 1e300) <= 3);
  CHECK(worst_ulps(cx::atan, [](double x) { return std::atan(x); }, -1, 1) <= 2);
  CHECK(worst_ulps(cx::atan, [](double x) { return std::atan(x); }, -1e6, 1e6) <= 2);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(-10, 10);
  std::int64_t worst = 0;
  for (int i = 0; i < 100000; ++i) {
    const double y = u(rng), x = u(rng);
    worst = std::max(worst, ulp_distance(cx::atan2(y, x), std::atan2(y, x)));
  }
  CHECK(worst <= 3);
}

TEST_CASE("constexpr asin, acos, sinh, cosh and erf are within a few ulp of <cmath>") {
  CHECK(worst_ulps(cx::asin, [](double x) { return std::asin(x); }, -1, 1) <= 3);
  CHECK(worst_ulps(cx::asin, [](double x) { return std::asin(x); }, -1e-8, 1e-8) <= 1);
  CHECK(worst_ulps(cx::acos, [](double x) { return std::acos(x); }, -1, 1) <= 3);
  CHECK(worst_ulps(cx::sinh, [](double x) { return std::sinh(x); }, -1, 1) <= 4);
  CHECK(worst_ulps(cx::sinh, [](double x) { return std::sinh(x); }, -710, 710) <= 3);
  CHECK(worst_ulps(cx::cosh, [](double x) { return std::cosh(x); }, -710, 710) <= 3);
  CHECK(worst_ulps(cx::erf, [](double x) { return std::erf(x); }, -7, 7) <= 2);
  CHECK(worst_ulps(cx::erf, [](double x) { return std::erf(x); }, -1e-3, 1e-3) <= 2);
  // the edges
  CHECK(std::isnan(cx::asin(1.0000001)));
  CHECK(std::isnan(cx::acos(-2.0)));
  CHECK(cx::asin(1.0) == std::asin(1.0));
  CHECK(cx::acos(-1.0) == std::acos(-1.0));
  CHECK(cx::sinh(711.0) == INFINITY);
  CHECK(cx::sinh(-711.0) == -INFINITY);
  CHECK(cx::cosh(-711.0) == INFINITY);
  CHECK(cx::erf(INFINITY) == 1.0);
  CHECK(cx::erf(-INFINITY) == -1.0);
  CHECK(std::signbit(cx::erf(-0.0)));
  CHECK(std::signbit(cx::sinh(-0.0)));
  CHECK(std::isnan(cx::erf(NAN)));
}

TEST_CASE("constexpr atan2 at zeros and infinities follows C, signs included") {
  const double special[] = {0.0, -0.0, 1.5, -1.5, INFINITY, -INFINITY, NAN};
  for (double y : special)
    for (double x : special) {
      CAPTURE(y);
      CAPTURE(x);
      const double got = cx::atan2(y, x), want = std::atan2(y, x);
      CHECK(ulp_distance(got, want) <= 1);
      if (!std::isnan(want)) CHECK(std::signbit(got) == std::signbit(want));
    }
  CHECK(cx::log1p(-1.0) == -INFINITY);
  CHECK(std::isnan(cx::log1p(-2.0)));
  CHECK(cx::log1p(INFINITY) == INFINITY);
}

TEST_CASE_TEMPLATE("softplus: log(1 + e^x) without overflow on either side", T, float, double) {
  using ctgrad::math::softplus;
  for (const T x : {T(-30), T(-3), T(-0.5), T(0), T(0.5), T(3), T(30)})
    CHECK(softplus(x) == doctest::Approx(std::log1p(std::exp(static_cast<double>(x)))).epsilon(4 * std::numeric_limits<T>::epsilon()));
  CHECK(softplus(T(800)) == T(800));
  CHECK(softplus(T(-800)) == T(0));
  CHECK(softplus(std::numeric_limits<T>::infinity()) == std::numeric_limits<T>::infinity());
  CHECK(std::isnan(softplus(std::numeric_limits<T>::quiet_NaN())));
  static_assert(ctgrad::math::softplus(T(800)) == T(800) && ctgrad::math::softplus(T(-800)) == T(0));
}

// exp and log as the run time uses them on AVX2+FMA targets (math/vector_math.hpp), tested
// on every target: the ulp bounds the README states, and every IEEE edge case.
TEST_CASE("vector exp and log are within 2 ulp of <cmath>") {
  CHECK(worst_ulps(vx::exp, [](double x) { return std::exp(x); }, -1, 1) <= 2);
  CHECK(worst_ulps(vx::exp, [](double x) { return std::exp(x); }, -745, 709.78) <= 2);
  CHECK(worst_ulps(vx::exp, [](double x) { return std::exp(x); }, -745.13, -708) <= 2);  // subnormal results
  CHECK(worst_ulps(vx::log, [](double x) { return std::log(x); }, 0.5, 2) <= 2);
  CHECK(worst_ulps(vx::log, [](double x) { return std::log(x); }, 1e-300, 1e300) <= 2);
  CHECK(worst_ulps([](double e) { return vx::log(std::pow(10.0, e)); }, [](double e) { return std::log(std::pow(10.0, e)); },
                   -323, 308) <= 2);  // subnormal inputs too
  CHECK(worst_ulps([](double x) { return vx::log(x * 0x1p-1074); }, [](double x) { return std::log(x * 0x1p-1074); }, 1,
                   1 << 30) <= 2);
}

// the sigmoid as <cmath> computes it, with one rounding fewer than 1 / (1 + e^-x) for x < 0
static double cmath_sigmoid(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }

TEST_CASE("vector tanh and sigmoid are within 4 ulp of <cmath>") {
  CHECK(worst_ulps(vx::tanh, [](double x) { return std::tanh(x); }, -0.3, 0.3) <= 4);  // where e^2x - 1 is small
  CHECK(worst_ulps(vx::tanh, [](double x) { return std::tanh(x); }, -30, 30) <= 4);
  CHECK(worst_ulps(vx::tanh, [](double x) { return std::tanh(x); }, -1e-6, 1e-6) <= 4);
  CHECK(worst_ulps(vx::sigmoid, cmath_sigmoid, -1, 1) <= 4);
  CHECK(worst_ulps(vx::sigmoid, cmath_sigmoid, -745, 40) <= 4);  // down to subnormal results
}

TEST_CASE("vector tanh and sigmoid: NaN, infinities, signed zeros and the far ends") {
  constexpr double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  constexpr double tiny = std::numeric_limits<double>::denorm_min();
  CHECK(std::isnan(vx::tanh(nan)));
  CHECK(vx::tanh(inf) == 1.0);
  CHECK(vx::tanh(-inf) == -1.0);
  CHECK(vx::tanh(1e300) == 1.0);
  CHECK(vx::tanh(23.0) == 1.0);
  CHECK(vx::tanh(-19.0) == std::tanh(-19.0));
  CHECK(vx::tanh(0.0) == 0.0);
  CHECK(std::signbit(vx::tanh(-0.0)));
  CHECK(vx::tanh(tiny) == tiny);  // tanh x = x below 2^-27, subnormals included
  CHECK(vx::tanh(-1e-310) == -1e-310);
  CHECK(std::isnan(vx::sigmoid(nan)));
  CHECK(vx::sigmoid(inf) == 1.0);
  CHECK(vx::sigmoid(-inf) == 0.0);
  CHECK(vx::sigmoid(0.0) == 0.5);
  CHECK(vx::sigmoid(-0.0) == 0.5);
  CHECK(vx::sigmoid(40.0) == 1.0);
  CHECK(ulp_distance(vx::sigmoid(-740.0), std::exp(-740.0)) <= 4);  // subnormal, not 0
  CHECK(vx::sigmoid(-1e300) == 0.0);
  // what the run time calls
  volatile double x = -0.37;
#if defined(__AVX2__) && defined(__FMA__)
  CHECK(ctgrad::math::tanh(x) == vx::tanh(x));
  CHECK(ctgrad::math::sigmoid(x) == vx::sigmoid(x));
  CHECK(ctgrad::math::sigmoid(static_cast<float>(x)) == static_cast<float>(vx::sigmoid(static_cast<float>(x))));
#else
  CHECK(ctgrad::math::tanh(x) == std::tanh(x));
#endif
}

TEST_CASE("vector exp and log: NaN, infinities, zeros, overflow and underflow as <cmath>") {
  constexpr double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(std::isnan(vx::exp(nan)));
  CHECK(vx::exp(inf) == inf);
  CHECK(vx::exp(-inf) == 0.0);
  CHECK(vx::exp(0.0) == 1.0);
  CHECK(vx::exp(-0.0) == 1.0);
  CHECK(ulp_distance(vx::exp(709.78), std::exp(709.78)) <= 2);  // near the largest finite result
  CHECK(vx::exp(709.79) == inf);
  CHECK(vx::exp(1e300) == inf);
  CHECK(vx::exp(-745.1) == std::numeric_limits<double>::denorm_min());
  CHECK(vx::exp(-745.2) == 0.0);
  CHECK(vx::exp(-1e300) == 0.0);
  CHECK(std::isnan(vx::log(nan)));
  CHECK(std::isnan(vx::log(-1.0)));
  CHECK(std::isnan(vx::log(-inf)));
  CHECK(std::isnan(vx::log(-std::numeric_limits<double>::denorm_min())));
  CHECK(vx::log(0.0) == -inf);
  CHECK(vx::log(-0.0) == -inf);
  CHECK(vx::log(inf) == inf);
  CHECK(vx::log(1.0) == 0.0);
  CHECK(vx::log(std::numeric_limits<double>::denorm_min()) == std::log(std::numeric_limits<double>::denorm_min()));
  CHECK(vx::log(std::numeric_limits<double>::max()) == doctest::Approx(std::log(std::numeric_limits<double>::max())).epsilon(1e-16));
  // what the run time calls: the vector versions on AVX2+FMA targets, else <cmath>
  volatile double x = 0.37;
#if defined(__AVX2__) && defined(__FMA__)
  CHECK(ctgrad::math::exp(x) == vx::exp(x));
  CHECK(ctgrad::math::log(x) == vx::log(x));
  CHECK(ctgrad::math::exp(static_cast<float>(x)) == static_cast<float>(vx::exp(static_cast<float>(x))));
#else
  CHECK(ctgrad::math::exp(x) == std::exp(x));
  CHECK(ctgrad::math::log(x) == std::log(x));
#endif
}

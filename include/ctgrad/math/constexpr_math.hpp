// exp, log, log1p, sqrt, sin, cos, tanh, atan, atan2, asin, acos, sinh, cosh, erf, expm1, pow
// usable in constant expressions.
//
// Clang's <cmath> is not constexpr, so these run whenever a value or gradient is
// computed by the compiler. At run time ctgrad calls <cmath> instead (see functions.hpp).
// All work in double (float results are the double result rounded once) and are accurate
// to a few ulp: the tests compare them with <cmath> over wide ranges.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

namespace ctgrad::detail::cx {

inline constexpr double inf = std::numeric_limits<double>::infinity();
inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();
inline constexpr double ln2_hi = 6.93147180369123816490e-01;  // upper bits of ln 2, exact times small ints
inline constexpr double ln2_lo = 1.90821492927058770002e-10;
inline constexpr double inv_ln2 = 1.44269504088896338700e+00;

constexpr bool isnan(double x) { return x != x; }
constexpr double fabs(double x) { return x < 0 ? -x : (x == 0 ? 0.0 : x); }

// round half away from zero, for |x| < 2^62
constexpr double round_int(double x) {
  return static_cast<double>(static_cast<std::int64_t>(x < 0 ? x - 0.5 : x + 0.5));
}

// 2^k exactly, for any k a double can express (subnormal results included)
constexpr double pow2(int k) {
  if (k > 1023) return inf;
  if (k >= -1022) return std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
  if (k < -1074) return 0.0;
  return std::bit_cast<double>(std::uint64_t{1} << (k + 1074));  // subnormal
}

// x * 2^k without losing the result to an intermediate overflow/underflow
constexpr double scale(double x, int k) {
  if (k > 1023) return x * pow2(1023) * pow2(k - 1023);
  if (k < -1022) return x * pow2(-1022) * pow2(k + 1022);
  return x * pow2(k);
}

// e^r for |r| <= ln2/2: Taylor series to degree 13 (remainder below 2^-57)
constexpr double exp_reduced(double r) {
  double p = 1.0 / 6227020800.0;  // 1/13!
  constexpr double inv_fact[] = {1.0,
                                 1.0,
                                 1.0 / 2,
                                 1.0 / 6,
                                 1.0 / 24,
                                 1.0 / 120,
                                 1.0 / 720,
                                 1.0 / 5040,
                                 1.0 / 40320,
                                 1.0 / 362880,
                                 1.0 / 3628800,
                                 1.0 / 39916800,
                                 1.0 / 479001600};
  for (int n = 12; n >= 0; --n) p = p * r + inv_fact[n];
  return p;
}

constexpr double exp(double x) {
  if (isnan(x)) return x;
  if (x > 709.782712893384) return inf;
  if (x < -745.2) return 0.0;
  const double k = round_int(x * inv_ln2);
  const double r = (x - k * ln2_hi) - k * ln2_lo;
  return scale(exp_reduced(r), static_cast<int>(k));
}

// e^x - 1, accurate near 0 where exp(x) - 1 would cancel
constexpr double expm1(double x) {
  if (isnan(x)) return x;
  if (fabs(x) < 0.34) {
    double p = 1.0 / 87178291200.0;  // 1/14!, series x + x^2/2! + ... + x^14/14!
    double fact = 87178291200.0;
    for (int n = 13; n >= 1; --n) {
      fact /= (n + 1);
      p = p * x + 1.0 / fact;
    }
    return p * x;
  }
  return exp(x) - 1.0;
}

constexpr double log(double x) {
  if (isnan(x) || x < 0) return nan;
  if (x == 0) return -inf;
  if (x == inf) return inf;
  int e = 0;
  if (x < 0x1p-1022) {  // subnormal: bring into the normal range first
    x *= 0x1p54;
    e -= 54;
  }
  const auto bits = std::bit_cast<std::uint64_t>(x);
  e += static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);  // [1, 2)
  if (m > 1.4142135623730951) {
    m *= 0.5;
    ++e;
  }
  // log m = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double s2 = s * s;
  double p = 0;
  for (int n = 27; n >= 3; n -= 2) p = (p + 1.0 / n) * s2;
  const double log_m = 2.0 * s + 2.0 * s * p;
  return e * ln2_hi + (e * ln2_lo + log_m);
}

// log(1 + x), accurate near 0 where log(1 + x) would lose x's low bits: the rounding of
// 1 + x is undone by the factor x / (u - 1) (exact when u is 1 + x rounded)
constexpr double log1p(double x) {
  if (isnan(x) || x < -1) return nan;
  if (x == -1) return -inf;
  if (x == inf) return inf;
  const double u = 1.0 + x;
  if (u == 1.0) return x;
  return log(u) * (x / (u - 1.0));
}

constexpr double sqrt(double x) {
  if (isnan(x) || x < 0) return x == 0 ? x : nan;
  if (x == 0 || x == inf) return x;
  // start from halving the exponent, then Newton; the last step picks the closer neighbour
  const auto bits = std::bit_cast<std::uint64_t>(x);
  double y = std::bit_cast<double>((bits >> 1) + (std::uint64_t{1023} << 51));
  for (int i = 0; i < 8; ++i) y = 0.5 * (y + x / y);
  const double below = std::bit_cast<double>(std::bit_cast<std::uint64_t>(y) - 1);
  const double above = std::bit_cast<double>(std::bit_cast<std::uint64_t>(y) + 1);
  double best = y;
  if (fabs(below * below - x) < fabs(best * best - x)) best = below;
  if (fabs(above * above - x) < fabs(best * best - x)) best = above;
  return best;
}

// sin and cos of |r| <= pi/4, Taylor series (remainders below 2^-56)
constexpr double sin_reduced(double r) {
  const double r2 = r * r;
  double p = 0;
  double fact = 1.0;
  for (int n = 1; n <= 19; n += 2) fact *= (n == 1 ? 1.0 : double(n) * double(n - 1));
  for (int n = 19; n >= 3; n -= 2) {
    p = (p + ((n / 2) % 2 ? -1.0 : 1.0) / fact) * r2;
    fact /= double(n) * double(n - 1);
  }
  return r + r * p;
}
constexpr double cos_reduced(double r) {
  const double r2 = r * r;
  double p = 0;
  double fact = 1.0;
  for (int n = 2; n <= 20; n += 2) fact *= double(n) * double(n - 1);
  for (int n = 20; n >= 2; n -= 2) {
    p = (p + ((n / 2) % 2 ? -1.0 : 1.0) / fact) * r2;
    fact /= double(n) * double(n - 1);
  }
  return 1.0 + p;
}

// x = k * pi/2 + r with pi/2 split in three parts (Cody-Waite); accurate for |x| < 2^20
constexpr double reduce_half_pi(double x, int& quadrant) {
  constexpr double pio2_1 = 1.57079632673412561417e+00;
  constexpr double pio2_2 = 6.07710050630396597660e-11;
  constexpr double pio2_3 = 2.02226624871116645580e-21;
  constexpr double two_over_pi = 6.36619772367581382433e-01;
  const double k = round_int(x * two_over_pi);
  quadrant = static_cast<int>(static_cast<std::int64_t>(k) & 3);
  return ((x - k * pio2_1) - k * pio2_2) - k * pio2_3;
}

constexpr double sin(double x) {
  if (isnan(x) || x == inf || x == -inf) return nan;
  int q = 0;
  const double r = reduce_half_pi(x, q);
  switch (q) {
    case 0: return sin_reduced(r);
    case 1: return cos_reduced(r);
    case 2: return -sin_reduced(r);
    default: return -cos_reduced(r);
  }
}

constexpr double cos(double x) {
  if (isnan(x) || x == inf || x == -inf) return nan;
  int q = 0;
  const double r = reduce_half_pi(x, q);
  switch (q) {
    case 0: return cos_reduced(r);
    case 1: return -sin_reduced(r);
    case 2: return -cos_reduced(r);
    default: return sin_reduced(r);
  }
}

inline constexpr double pio2_hi = 1.57079632679489655800e+00;  // pi/2 = pio2_hi + pio2_lo
inline constexpr double pio2_lo = 6.12323399573676603587e-17;

// atan(t) for |t| <= tan(pi/8): Taylor series to t^49 (remainder below 2^-57)
constexpr double atan_reduced(double t) {
  const double t2 = t * t;
  double p = 0;
  for (int n = 49; n >= 3; n -= 2) p = (p + ((n / 2) % 2 ? -1.0 : 1.0) / n) * t2;
  return t + t * p;
}

// atan(x): |x| > 1 as pi/2 - atan(1/x), then |x| > tan(pi/8) as pi/4 + atan((x-1)/(x+1))
constexpr double atan(double x) {
  if (isnan(x)) return x;
  const bool negative = x < 0;
  double a = negative ? -x : x;
  const bool inverted = a > 1;
  if (inverted) a = 1.0 / a;
  double r;
  if (a > 0.41421356237309503)
    r = (0.5 * pio2_hi + (0.5 * pio2_lo + atan_reduced((a - 1.0) / (a + 1.0))));
  else
    r = atan_reduced(a);
  if (inverted) r = pio2_hi + (pio2_lo - r);
  return negative ? -r : r;
}

// atan2(y, x): the angle of (x, y), with C's rules for zeros (by sign) and infinities
constexpr double atan2(double y, double x) {
  if (isnan(x) || isnan(y)) return nan;
  const bool y_negative = std::bit_cast<std::uint64_t>(y) >> 63;
  const bool x_negative = std::bit_cast<std::uint64_t>(x) >> 63;
  const double pi_hi = 2 * pio2_hi, pi_lo = 2 * pio2_lo;
  double r;
  if (fabs(x) == inf && fabs(y) == inf)
    r = x_negative ? 1.5 * pio2_hi + 1.5 * pio2_lo : 0.5 * pio2_hi + 0.5 * pio2_lo;
  else if (fabs(y) == inf || (x == 0 && y != 0))
    r = pio2_hi + pio2_lo;
  else if (y == 0 || fabs(x) == inf)
    r = x_negative ? pi_hi + pi_lo : 0.0;
  else if (!x_negative)
    r = atan(fabs(y) / x);
  else
    r = pi_hi + (pi_lo - atan(fabs(y) / -x));
  return y_negative ? -r : r;
}

// tanh without overflow: for large |x| it is +-1, never inf/inf
constexpr double tanh(double x) {
  if (isnan(x)) return x;
  const double a = fabs(x);
  if (a > 22.0) return x < 0 ? -1.0 : 1.0;
  const double em = expm1(2.0 * a);
  const double t = em / (em + 2.0);
  return x < 0 ? -t : t;
}

// asin and acos through atan2: (1 - x)(1 + x) keeps 1 - x^2 exact where x is near +-1
constexpr double asin(double x) {
  if (isnan(x) || fabs(x) > 1) return nan;
  return atan2(x, sqrt((1.0 - x) * (1.0 + x)));
}
constexpr double acos(double x) {
  if (isnan(x) || fabs(x) > 1) return nan;
  return atan2(sqrt((1.0 - x) * (1.0 + x)), x);
}

// sinh and cosh: expm1 keeps sinh accurate near 0; past exp's range, e^(|x|/2) twice
constexpr double sinh(double x) {
  if (isnan(x)) return x;
  const double a = fabs(x);
  double r;
  if (a < 22.0) {
    const double em = expm1(a);
    r = 0.5 * (em + em / (em + 1.0));
  } else {
    const double h = exp(0.5 * a);
    r = (0.5 * h) * h;
  }
  return x < 0 ? -r : (x == 0 ? x : r);
}
constexpr double cosh(double x) {
  if (isnan(x)) return x;
  const double a = fabs(x);
  if (a < 22.0) {
    const double e = exp(a);
    return 0.5 * (e + 1.0 / e);
  }
  const double h = exp(0.5 * a);
  return (0.5 * h) * h;
}

// erf: below 1 its Maclaurin series, 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)), whose
// terms fall fast enough there that little cancels; from 1 on, 1 - erfc(x) with erfc's
// continued fraction e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), whose
// error then hardly shows in erf. Both within 2 ulp of <cmath> (test math).
constexpr double erf(double x) {
  if (isnan(x)) return x;
  const double a = fabs(x);
  double r;
  if (a < 1.0) {
    double coef[24] = {};
    double fact = 1.0;
    for (int n = 0; n < 24; ++n) {
      if (n) fact *= n;
      coef[n] = 1.0 / (fact * (2 * n + 1));
    }
    const double t = a * a;
    double p = 0;
    for (int n = 23; n >= 0; --n) p = p * -t + coef[n];
    r = 1.12837916709551257390 * a * p;  // 2/sqrt(pi)
  } else if (a < 6.0) {
    double k = 0;
    for (int n = a < 2.0 ? 200 : 60; n >= 1; --n) k = (0.5 * n) / (a + k);
    r = 1.0 - exp(-a * a) * 0.56418958354775628695 / (a + k);  // 1/sqrt(pi)
  } else {
    r = 1.0;  // erfc(6) < 2^-55
  }
  return x < 0 ? -r : (x == 0 ? x : r);
}

constexpr bool is_integer(double y) { return fabs(y) < 0x1p52 ? round_int(y) == y : !isnan(y) && fabs(y) != inf; }

constexpr double pow_int(double x, std::int64_t n) {
  const bool negative = n < 0;
  std::uint64_t m = negative ? static_cast<std::uint64_t>(-(n + 1)) + 1 : static_cast<std::uint64_t>(n);
  double result = 1.0;
  double base = x;
  while (m) {
    if (m & 1) result *= base;
    base *= base;
    m >>= 1;
  }
  return negative ? 1.0 / result : result;
}

constexpr double pow(double x, double y) {
  if (y == 0) return 1.0;
  if (x == 1) return 1.0;
  if (isnan(x) || isnan(y)) return nan;
  if (is_integer(y) && fabs(y) <= 64) return pow_int(x, static_cast<std::int64_t>(y));
  if (x < 0) {
    if (!is_integer(y)) return nan;
    const bool odd = fabs(y) < 0x1p53 && (static_cast<std::int64_t>(y) & 1);
    const double r = exp(y * log(-x));
    return odd ? -r : r;
  }
  if (x == 0) return y > 0 ? 0.0 : inf;
  return exp(y * log(x));
}

}  // namespace ctgrad::detail::cx

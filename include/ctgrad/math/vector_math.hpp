// exp, log, tanh and sigmoid for the run time, written so that a compiler vectorises loops over them:
// no branches, no calls, no tables; integer work only as shifts and masks on the bits.
// Every select is pick(), on the bits: a ?: lets the compiler move the arm's arithmetic into
// a branch, which it then may not vectorise (floating point may trap, -ftrapping-math). IEEE edge cases are kept without -ffast-math: NaN in gives NaN, log of a
// negative is NaN, of 0 is -inf, of +inf is +inf; exp overflows to +inf and underflows
// through the subnormals to 0. Both within 2 ulp of <cmath> (test math). Float is computed
// in double and rounded once, as the constexpr versions do.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace ctgrad::detail::vx {

inline constexpr double ln2_hi = 6.93147180369123816490e-01;  // ln 2 = ln2_hi + ln2_lo; k * ln2_hi exact
inline constexpr double ln2_lo = 1.90821492927058770002e-10;
inline constexpr double inv_ln2 = 1.44269504088896338700e+00;
inline constexpr double round_magic = 0x1.8p52;  // x + this - this rounds x to an integer, |x| < 2^51

// c ? a : b for float or double, both already computed, without a branch
template <class T>
  requires(std::is_same_v<T, float> || std::is_same_v<T, double>)
constexpr T pick(bool c, T a, T b) {
  using U = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
  const U m = U(0) - static_cast<U>(c);
  return std::bit_cast<T>(static_cast<U>((std::bit_cast<U>(a) & m) | (std::bit_cast<U>(b) & static_cast<U>(~m))));
}

// 2^k for an integer-valued k in [-1022, 1023], from its bits
constexpr double pow2(double k) {
  const auto bits = std::bit_cast<std::uint64_t>(k + (round_magic + 1023.0));
  return std::bit_cast<double>(bits << 52);
}

// e^x: x = k ln 2 + r with |r| <= ln2/2, e^r by its Taylor series to degree 13 (remainder
// below 2^-57), times 2^k in two halves so that neither overflows and a subnormal result
// is rounded once.
constexpr double exp(double x) {
  const double c = pick(x > 709.8, 709.8, pick(x < -746.0, -746.0, x));  // NaN stays NaN
  const double k = (c * inv_ln2 + round_magic) - round_magic;
  const double r = (c - k * ln2_hi) - k * ln2_lo;
  // Estrin's scheme: the same products as Horner's, but a few deep instead of 13, which
  // matters where a call is not vectorised (a scalar expression)
  const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const double q0 = 1.0 + r, q1 = 1.0 / 2 + r * (1.0 / 6), q2 = 1.0 / 24 + r * (1.0 / 120),
               q3 = 1.0 / 720 + r * (1.0 / 5040), q4 = 1.0 / 40320 + r * (1.0 / 362880),
               q5 = 1.0 / 3628800 + r * (1.0 / 39916800), q6 = 1.0 / 479001600 + r * (1.0 / 6227020800);
  const double u0 = q0 + q1 * r2, u1 = q2 + q3 * r2, u2 = q4 + q5 * r2;
  const double p = (u0 + u1 * r4) + (u2 + q6 * r4) * r8;
  const double k1 = (k * 0.5 + round_magic) - round_magic;
  return p * pow2(k1) * pow2(k - k1);
}

// log x: x = 2^e m with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s) with s = (m-1)/(m+1),
// |s| <= 0.1716, its odd series to s^21. Subnormal x is first scaled by 2^54.
constexpr double log(double x) {
  const bool tiny = x < 0x1p-1022;
  const double xs = pick(tiny, x * 0x1p54, x);
  const auto bits = std::bit_cast<std::uint64_t>(xs);
  // the exponent field as a double, through the bits of 2^52 + field
  const double field = std::bit_cast<double>((bits >> 52) | 0x4330000000000000ULL) - 0x1p52;
  double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);  // [1, 2)
  const bool high = m > 1.4142135623730951;
  m = pick(high, m * 0.5, m);
  const double e = field - pick(high, 1022.0, 1023.0) - pick(tiny, 54.0, 0.0);
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  // z (1/3 + z/5 + ... + z^9/21): the terms after z^10 are below 2^-54 of the result
  const double z = s * s, z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
  const double q0 = 1.0 / 3 + z * (1.0 / 5), q1 = 1.0 / 7 + z * (1.0 / 9), q2 = 1.0 / 11 + z * (1.0 / 13),
               q3 = 1.0 / 15 + z * (1.0 / 17), q4 = 1.0 / 19 + z * (1.0 / 21);
  const double p = z * ((q0 + q1 * z2) + (q2 + q3 * z2) * z4 + q4 * z8);
  const double log_m = 2.0 * s + 2.0 * s * p;
  const double y = e * ln2_hi + (e * ln2_lo + log_m);
  constexpr double inf = std::numeric_limits<double>::infinity();
  // the edge cases, as selects: NaN and x < 0 give NaN, 0 gives -inf, +inf gives +inf
  const double special = pick(x == 0, -inf, pick(x == inf, inf, std::numeric_limits<double>::quiet_NaN()));
  return pick((x > 0) & (x < inf), y, special);
}

// e^y - 1 for 0 <= y <= 64 ln 2, accurate near 0: y = k ln 2 + r, e^r - 1 by its series
// without the leading 1 (so nothing cancels for small y), then 2^k (e^r - 1) + (2^k - 1),
// where 2^k - 1 is exact and neither term is negative enough to cancel for k >= 1.
constexpr double expm1_nonnegative(double y) {
  const double k = (y * inv_ln2 + round_magic) - round_magic;
  const double r = (y - k * ln2_hi) - k * ln2_lo;
  const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const double q0 = 1.0 / 2 + r * (1.0 / 6), q1 = 1.0 / 24 + r * (1.0 / 120), q2 = 1.0 / 720 + r * (1.0 / 5040),
               q3 = 1.0 / 40320 + r * (1.0 / 362880), q4 = 1.0 / 3628800 + r * (1.0 / 39916800),
               q5 = 1.0 / 479001600 + r * (1.0 / 6227020800);
  const double u0 = q0 + q1 * r2, u1 = q2 + q3 * r2, u2 = q4 + q5 * r2;
  const double em = r + r2 * ((u0 + u1 * r4) + u2 * r8);
  const double two_k = pow2(k);
  return two_k * em + (two_k - 1.0);
}

// x with the sign of s, on the bits
constexpr double with_sign_of(double x, double s) {
  constexpr std::uint64_t sign = 0x8000000000000000ULL;
  return std::bit_cast<double>((std::bit_cast<std::uint64_t>(x) & ~sign) | (std::bit_cast<std::uint64_t>(s) & sign));
}

// tanh x = t / (t + 2) with t = e^(2|x|) - 1, and the sign of x; past |x| = 22 it is +-1
// in double (and the clamp keeps t finite). -0 stays -0, NaN stays NaN.
constexpr double tanh(double x) {
  const double a = with_sign_of(x, 1.0);
  const double t = expm1_nonnegative(2.0 * pick(a > 22.0, 22.0, a));
  return with_sign_of(t / (t + 2.0), x);
}

// 1 / (1 + e^-x) with e = e^-|x| only, so nothing overflows: for x < 0 it is e / (1 + e),
// which keeps the tiny results (down to the subnormals) relative-accurate.
constexpr double sigmoid(double x) {
  const double e = exp(-with_sign_of(x, 1.0));
  return pick(x < 0, e, 1.0) / (1.0 + e);
}

}  // namespace ctgrad::detail::vx

// Elementwise functions: each is its value and its derivative side by side (the operation
// contract, expr/operation.hpp), and the function users call.
#pragma once

#include <concepts>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/math/scalar.hpp"
#include "ctgrad/ops/elementwise.hpp"

namespace ctgrad {

namespace fn {

// unary: value(x), deriv(x, y) = dy/dx where y = value(x)
struct neg {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("negate");
  template <class T> constexpr T value(T x) const { return -x; }
  template <class T> constexpr T deriv(T, T) const { return T(-1); }
};
struct exp {
  static constexpr auto name = fixed_string("exp");
  template <class T> constexpr T value(T x) const { return math::exp(x); }
  template <std::floating_point T> constexpr T scalar_value(T x) const { return math::exp_one(x); }
  template <class T> constexpr T deriv(T, T y) const { return y; }
};
struct log {
  static constexpr auto name = fixed_string("log");
  template <class T> constexpr T value(T x) const { return math::log(x); }
  template <std::floating_point T> constexpr T scalar_value(T x) const { return math::log_one(x); }
  template <class T> constexpr T deriv(T x, T) const { return T(1) / x; }
};
struct sqrt {
  static constexpr auto name = fixed_string("sqrt");
  template <class T> constexpr T value(T x) const { return math::sqrt(x); }
  template <class T> constexpr T deriv(T, T y) const { return T(0.5) / y; }
};
struct abs {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("abs");
  template <class T> constexpr T value(T x) const { return math::abs(x); }
  template <class T> constexpr T deriv(T x, T) const { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0)); }
};
struct sin {
  static constexpr auto name = fixed_string("sin");
  template <class T> constexpr T value(T x) const { return math::sin(x); }
  template <class T> constexpr T deriv(T x, T) const { return math::cos(x); }
};
struct cos {
  static constexpr auto name = fixed_string("cos");
  template <class T> constexpr T value(T x) const { return math::cos(x); }
  template <class T> constexpr T deriv(T x, T) const { return -math::sin(x); }
};
struct tanh {
  static constexpr auto name = fixed_string("tanh");
  template <class T> constexpr T value(T x) const { return math::tanh(x); }
  template <class T> constexpr T deriv(T, T y) const { return T(1) - y * y; }
};
struct sigmoid {
  static constexpr auto name = fixed_string("sigmoid");
  template <class T> constexpr T value(T x) const { return math::sigmoid(x); }
  template <std::floating_point T> constexpr T scalar_value(T x) const { return math::sigmoid_one(x); }
  template <class T> constexpr T deriv(T, T y) const { return y * (T(1) - y); }
};
// log(1 + e^x), finite for any finite x; its derivative is the sigmoid
struct softplus {
  static constexpr auto name = fixed_string("softplus");
  template <class T> constexpr T value(T x) const { return math::softplus(x); }
  template <class T> constexpr T deriv(T x, T) const { return math::sigmoid(x); }
};
struct log1p {
  static constexpr auto name = fixed_string("log1p");
  template <class T> constexpr T value(T x) const { return math::log1p(x); }
  template <class T> constexpr T deriv(T x, T) const { return T(1) / (T(1) + x); }
};
struct expm1 {
  static constexpr auto name = fixed_string("expm1");
  template <class T> constexpr T value(T x) const { return math::expm1(x); }
  template <class T> constexpr T deriv(T, T y) const { return y + T(1); }
};
struct atan {
  static constexpr auto name = fixed_string("atan");
  template <class T> constexpr T value(T x) const { return math::atan(x); }
  template <class T> constexpr T deriv(T x, T) const { return T(1) / (T(1) + x * x); }
};
// asin, acos: derivatives +-1 / sqrt(1 - x^2), infinite at +-1, NaN outside [-1, 1]
struct asin {
  static constexpr auto name = fixed_string("asin");
  template <class T> constexpr T value(T x) const { return math::asin(x); }
  template <class T> constexpr T deriv(T x, T) const { return T(1) / math::sqrt((T(1) - x) * (T(1) + x)); }
};
struct acos {
  static constexpr auto name = fixed_string("acos");
  template <class T> constexpr T value(T x) const { return math::acos(x); }
  template <class T> constexpr T deriv(T x, T) const { return T(-1) / math::sqrt((T(1) - x) * (T(1) + x)); }
};
struct sinh {
  static constexpr auto name = fixed_string("sinh");
  template <class T> constexpr T value(T x) const { return math::sinh(x); }
  template <class T> constexpr T deriv(T x, T) const { return math::cosh(x); }
};
struct cosh {
  static constexpr auto name = fixed_string("cosh");
  template <class T> constexpr T value(T x) const { return math::cosh(x); }
  template <class T> constexpr T deriv(T x, T) const { return math::sinh(x); }
};
struct erf {
  static constexpr auto name = fixed_string("erf");
  template <class T> constexpr T value(T x) const { return math::erf(x); }
  template <class T> constexpr T deriv(T x, T) const { return T(1.12837916709551257390) * math::exp(-x * x); }
};
// -1, 0 or 1 (a zero keeps its sign, NaN stays NaN); its derivative is 0
struct sign {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("sign");
  template <class T> constexpr T value(T x) const { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x); }
  template <class T> constexpr T deriv(T, T) const { return T(0); }
};
// x for x > 0, slope * x otherwise (at 0 the derivative is the slope, as in PyTorch)
struct leaky_relu {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("leaky_relu");
  double slope = 0.01;
  template <class T> constexpr T value(T x) const { return x > T(0) ? x : T(slope) * x; }
  template <class T> constexpr T deriv(T x, T) const { return x > T(0) ? T(1) : T(slope); }
};
// x for x > 0, alpha (e^x - 1) otherwise
struct elu {
  static constexpr auto name = fixed_string("elu");
  double alpha = 1.0;
  template <class T> constexpr T value(T x) const { return x > T(0) ? x : T(alpha) * math::expm1(x); }
  template <class T> constexpr T deriv(T x, T y) const { return x > T(0) ? T(1) : y + T(alpha); }
};
// x Phi(x) with the normal distribution's Phi(x) = (1 + erf(x / sqrt 2)) / 2 (the erf form)
struct gelu {
  static constexpr auto name = fixed_string("gelu");
  template <class T> constexpr T value(T x) const { return T(0.5) * x * (T(1) + math::erf(x * T(0.70710678118654752440))); }
  template <class T> constexpr T deriv(T x, T) const {
    return T(0.5) * (T(1) + math::erf(x * T(0.70710678118654752440))) +
           x * T(0.39894228040143267794) * math::exp(T(-0.5) * x * x);  // + x phi(x), phi = e^(-x^2/2) / sqrt(2 pi)
  }
};
// x sigmoid(x), also called swish
struct silu {
  static constexpr auto name = fixed_string("silu");
  template <class T> constexpr T value(T x) const { return x * math::sigmoid(x); }
  template <class T> constexpr T deriv(T x, T) const {
    const T s = math::sigmoid(x);
    return s * (T(1) + x * (T(1) - s));
  }
};
// x limited to [lo, hi]; derivative 1 for lo <= x <= hi, 0 outside (as in PyTorch)
struct clamp {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("clamp");
  double lo, hi;
  template <class T> constexpr T value(T x) const { return x < T(lo) ? T(lo) : (x > T(hi) ? T(hi) : x); }
  template <class T> constexpr T deriv(T x, T) const { return x >= T(lo) && x <= T(hi) ? T(1) : T(0); }
};
struct relu {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("relu");
  template <class T> constexpr T value(T x) const { return x < T(0) ? T(0) : x; }  // NaN stays NaN
  template <class T> constexpr T deriv(T x, T) const { return x > T(0) ? T(1) : T(0); }
};
struct square {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("square");
  template <class T> constexpr T value(T x) const { return x * x; }
  template <class T> constexpr T deriv(T x, T) const { return T(2) * x; }
};
// x^n for an integer n held at run time (repeated squaring, exact steps)
struct ipow {
  static constexpr auto name = fixed_string("pow");
  int n;
  template <class T> constexpr T value(T x) const { return math::pow(x, n); }
  template <class T> constexpr T deriv(T x, T) const { return n == 0 ? T(0) : T(n) * math::pow(x, n - 1); }
};

// binary: value(a, b), da(a, b, y) = dy/da, db(a, b, y) = dy/db
struct add {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("operator+");
  template <class T> constexpr T value(T a, T b) const { return a + b; }
  template <class T> constexpr T da(T, T, T) const { return T(1); }
  template <class T> constexpr T db(T, T, T) const { return T(1); }
};
struct sub {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("operator-");
  template <class T> constexpr T value(T a, T b) const { return a - b; }
  template <class T> constexpr T da(T, T, T) const { return T(1); }
  template <class T> constexpr T db(T, T, T) const { return T(-1); }
};
struct mul {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("elementwise product");
  template <class T> constexpr T value(T a, T b) const { return a * b; }
  template <class T> constexpr T da(T, T b, T) const { return b; }
  template <class T> constexpr T db(T a, T, T) const { return a; }
};
struct div {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("operator/");
  template <class T> constexpr T value(T a, T b) const { return a / b; }
  template <class T> constexpr T da(T, T b, T) const { return T(1) / b; }
  template <class T> constexpr T db(T, T b, T y) const { return -y / b; }

  // Division by one number b for many a (zip's by_scalar form): one reciprocal, then
  // multiplies, within 2 ulp of a / b. Where 1/b would overflow or lose bits to the
  // subnormals, b is first scaled by a power of two c, and a by the same.
  template <class T>
  struct by_reciprocal {
    T c, r;  // a / b = (a c) r
    constexpr T value(T a) const { return (a * c) * r; }
    constexpr T da(T, T) const { return c * r; }
    constexpr T db(T, T y) const { return -y * (c * r); }
  };
  template <class T>
    requires std::is_floating_point_v<T>
  constexpr by_reciprocal<T> by_scalar(T b) const {
    using lim = std::numeric_limits<T>;
    constexpr T up = T(1) / (T(2) * lim::epsilon() * lim::epsilon()), down = T(1) / up;  // 2^(2 digits - 1)
    const T m = detail::vx::pick(b < T(0), -b, b);
    // a select on the bits: a ?: here kept GCC from vectorising the loops that use it
    const T c = detail::vx::pick(m < T(4) * lim::min(), up, detail::vx::pick(m > lim::max() / T(16), down, T(1)));
    return {c, T(1) / (b * c)};
  }
};
// the angle of the point (b, a): d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2), NaN at (0, 0)
struct atan2 {
  static constexpr auto name = fixed_string("atan2");
  template <class T> constexpr T value(T a, T b) const { return math::atan2(a, b); }
  template <class T> constexpr T da(T a, T b, T) const { return over_square_norm(b, a, b); }
  template <class T> constexpr T db(T a, T b, T) const { return over_square_norm(-a, a, b); }

 private:
  // c / (a^2 + b^2), scaled by the larger of |a|, |b| so that neither tiny nor huge
  // operands under- or overflow in the squares
  template <class T> static constexpr T over_square_norm(T c, T a, T b) {
    const T s = math::abs(a) > math::abs(b) ? math::abs(a) : math::abs(b);
    if (s == std::numeric_limits<T>::infinity()) return c == c ? T(0) : c;
    const T p = a / s, q = b / s;
    return (c / s) / (s * (p * p + q * q));
  }
};
// the smaller / larger of a and b; a NaN on either side gives NaN. The gradient goes to the
// operand taken, split in halves on ties (as in PyTorch).
struct minimum {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("minimum");
  template <class T> constexpr T value(T a, T b) const { return a < b ? a : (b < a ? b : (a == b ? a : a + b)); }
  template <class T> constexpr T da(T a, T b, T) const { return a < b ? T(1) : (a == b ? T(0.5) : T(0)); }
  template <class T> constexpr T db(T a, T b, T) const { return b < a ? T(1) : (a == b ? T(0.5) : T(0)); }
};
struct maximum {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("maximum");
  template <class T> constexpr T value(T a, T b) const { return a > b ? a : (b > a ? b : (a == b ? a : a + b)); }
  template <class T> constexpr T da(T a, T b, T) const { return a > b ? T(1) : (a == b ? T(0.5) : T(0)); }
  template <class T> constexpr T db(T a, T b, T) const { return b > a ? T(1) : (a == b ? T(0.5) : T(0)); }
};
struct pow {
  static constexpr auto name = fixed_string("pow");
  template <class T> constexpr T value(T a, T b) const { return math::pow(a, b); }
  template <class T> constexpr T da(T a, T b, T) const { return b == T(0) ? T(0) : b * math::pow(a, b - T(1)); }
  // d/db a^b = a^b log a; taken as 0 at a = 0 (the limit from above), NaN for a < 0
  template <class T> constexpr T db(T a, T, T y) const { return a == T(0) ? T(0) : y * math::log(a); }
};

}  // namespace fn

// (The library calls detail::make_node, which elementwise<F> also calls: one function per
// node fewer than going through elementwise<F>, docs/design.md.)
template <detail::unary_operand A>
constexpr elementwise_t<fn::exp, A> exp(const A& a) {
  return detail::make_node(op::map<fn::exp>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::log, A> log(const A& a) {
  return detail::make_node(op::map<fn::log>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::sqrt, A> sqrt(const A& a) {
  return detail::make_node(op::map<fn::sqrt>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::abs, A> abs(const A& a) {
  return detail::make_node(op::map<fn::abs>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::sin, A> sin(const A& a) {
  return detail::make_node(op::map<fn::sin>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::cos, A> cos(const A& a) {
  return detail::make_node(op::map<fn::cos>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::tanh, A> tanh(const A& a) {
  return detail::make_node(op::map<fn::tanh>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::sigmoid, A> sigmoid(const A& a) {
  return detail::make_node(op::map<fn::sigmoid>{}, a);
}
// log(1 + exp(x)), stable on both sides (x = 800 gives 800 and gradient 1)
template <detail::unary_operand A>
constexpr elementwise_t<fn::softplus, A> softplus(const A& a) {
  return detail::make_node(op::map<fn::softplus>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::log1p, A> log1p(const A& a) {
  return detail::make_node(op::map<fn::log1p>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::expm1, A> expm1(const A& a) {
  return detail::make_node(op::map<fn::expm1>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::atan, A> atan(const A& a) {
  return detail::make_node(op::map<fn::atan>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::asin, A> asin(const A& a) {
  return detail::make_node(op::map<fn::asin>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::acos, A> acos(const A& a) {
  return detail::make_node(op::map<fn::acos>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::sinh, A> sinh(const A& a) {
  return detail::make_node(op::map<fn::sinh>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::cosh, A> cosh(const A& a) {
  return detail::make_node(op::map<fn::cosh>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::erf, A> erf(const A& a) {
  return detail::make_node(op::map<fn::erf>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::sign, A> sign(const A& a) {
  return detail::make_node(op::map<fn::sign>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::gelu, A> gelu(const A& a) {
  return detail::make_node(op::map<fn::gelu>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::silu, A> silu(const A& a) {
  return detail::make_node(op::map<fn::silu>{}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::leaky_relu, A> leaky_relu(const A& a, double negative_slope = 0.01) {
  return detail::make_node(op::map<fn::leaky_relu>{fn::leaky_relu{negative_slope}}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::elu, A> elu(const A& a, double alpha = 1.0) {
  return detail::make_node(op::map<fn::elu>{fn::elu{alpha}}, a);
}
// clamp(x, lo, hi) with lo <= hi (numbers)
template <detail::unary_operand A>
constexpr elementwise_t<fn::clamp, A> clamp(const A& a, double lo, double hi) {
  if (!(lo <= hi)) throw std::invalid_argument("ctgrad: clamp(x, lo, hi) needs lo <= hi");
  return detail::make_node(op::map<fn::clamp>{fn::clamp{lo, hi}}, a);
}
template <detail::unary_operand A>
constexpr elementwise_t<fn::relu, A> relu(const A& a) {
  return detail::make_node(op::map<fn::relu>{}, a);
}
// square(x) = x * x, with a branch-free loop the compiler vectorises
template <detail::unary_operand A>
constexpr elementwise_t<fn::square, A> square(const A& a) {
  return detail::make_node(op::map<fn::square>{}, a);
}

template <detail::unary_operand A>
constexpr elementwise_t<fn::neg, A> operator-(const A& a) {
  return detail::make_node(op::map<fn::neg>{}, a);
}
template <detail::unary_operand A>
constexpr const A& operator+(const A& a) {
  return a;
}

template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr elementwise_t<fn::add, A, B> operator+(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::add>{}, a, b);
}
template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr elementwise_t<fn::sub, A, B> operator-(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::sub>{}, a, b);
}
template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr elementwise_t<fn::div, A, B> operator/(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::div>{}, a, b);
}
// The elementwise product for any shapes (operator* is the matrix product on matrices).
template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr elementwise_t<fn::mul, A, B> hadamard(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::mul>{}, a, b);
}

// atan2(y, x): the angle of the point (x, y), broadcast as +
template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr elementwise_t<fn::atan2, A, B> atan2(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::atan2>{}, a, b);
}

// minimum(a, b), maximum(a, b): elementwise, broadcast as +
template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr elementwise_t<fn::minimum, A, B> minimum(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::minimum>{}, a, b);
}
template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr elementwise_t<fn::maximum, A, B> maximum(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::maximum>{}, a, b);
}

// pow(x, 3): an integer exponent is exact repeated multiplication.
template <detail::unary_operand A, std::integral N>
constexpr elementwise_t<fn::ipow, A> pow(const A& a, N n) {
  return detail::make_node(op::map<fn::ipow>{fn::ipow{static_cast<int>(n)}}, a);
}
// pow(x, 2.5), pow(x, y), pow(2.0, x)
template <class A, class B>
  requires detail::binary_operands<A, B> && (!std::integral<std::remove_cvref_t<B>>)
constexpr elementwise_t<fn::pow, A, B> pow(const A& a, const B& b) {
  return detail::make_node(op::zip<fn::pow>{}, a, b);
}

}  // namespace ctgrad

// Values and gradients computed by the compiler, checked with static_assert.
#include <doctest/doctest.h>

#include <ctgrad/ctgrad.hpp>

using namespace ctgrad;

namespace {

constexpr auto a = var<"a">;
constexpr auto b = var<"b">;

// the tutorial: z = x + x with x = a * b
constexpr auto x = a * b;
constexpr auto z = x + x;
constexpr auto g = grad(z, at(a = 2.0, b = 3.0));
static_assert(g[a] == 6.0 && g[b] == 4.0);
static_assert(value(z, at(a = 2.0, b = 3.0)) == 12.0);

// the tutorial: z = 2x + y with x = 3a + b, y = a
constexpr auto x2 = 3 * a + b;
constexpr auto z2 = 2 * x2 + a;
static_assert(grad(z2, at(a = 1.0, b = 2.0))[a] == 7.0);
static_assert(grad(z2, at(a = 1.0, b = 2.0))[b] == 2.0);

constexpr bool near(double p, double q, double tol) { return (p - q < tol) && (q - p < tol); }

// transcendental functions go through the library's constexpr math
constexpr auto f = exp(a) * sin(b) + log(a) / sqrt(b) + tanh(a - b) + sigmoid(b) + pow(a, 2.5);
constexpr auto gf = grad(f, at(a = 0.7, b = 1.3));
// the analytic derivatives, written out by hand
namespace cx = ctgrad::detail::cx;
constexpr double t = cx::tanh(0.7 - 1.3);
static_assert(near(gf[a], cx::exp(0.7) * cx::sin(1.3) + 1.0 / (0.7 * cx::sqrt(1.3)) + (1 - t * t) + 2.5 * cx::pow(0.7, 1.5), 1e-13));
static_assert(near(gf[b],
                   cx::exp(0.7) * cx::cos(1.3) - 0.5 * cx::log(0.7) / (1.3 * cx::sqrt(1.3)) - (1 - t * t) +
                       (1.0 / (1.0 + cx::exp(-1.3))) * (1.0 - 1.0 / (1.0 + cx::exp(-1.3))),
                   1e-13));

// softplus: its derivative is the sigmoid; atan2(a, b): (b, -a) / (a^2 + b^2)
static_assert(near(grad(softplus(a), at(a = 0.7))[a], 1.0 / (1.0 + cx::exp(-0.7)), 1e-15));
static_assert(grad(softplus(a), at(a = 800.0))[a] == 1.0 && value(softplus(a), at(a = -800.0)) == 0.0);
constexpr auto ga = grad(atan2(a, b), at(a = 0.3, b = -0.4));
static_assert(near(ga.value(), cx::atan2(0.3, -0.4), 1e-16) && near(ga[a], -0.4 / 0.25, 1e-14) && near(ga[b], -0.3 / 0.25, 1e-14));

// the other elementwise functions: gelu' = Phi(x) + x phi(x), silu' = s (1 + x (1 - s)),
// asin' = 1 / sqrt(1 - x^2), erf' = 2 / sqrt(pi) e^(-x^2); minimum/maximum split ties
constexpr auto gg = grad(gelu(a) + silu(b) + asin(a) + erf(b), at(a = 0.3, b = -1.2));
constexpr double sb = 1.0 / (1.0 + cx::exp(1.2));
static_assert(near(gg[a], 0.5 * (1 + cx::erf(0.3 / cx::sqrt(2.0))) + 0.3 * cx::exp(-0.045) / cx::sqrt(2 * 3.14159265358979323846) +
                              1.0 / cx::sqrt(1 - 0.09),
                   1e-14));
static_assert(near(gg[b], sb * (1 - 1.2 * (1 - sb)) + 2.0 / cx::sqrt(3.14159265358979323846) * cx::exp(-1.44), 1e-14));
static_assert(grad(minimum(a, b) + maximum(a, b) * 3.0, at(a = 2.0, b = 2.0))[a] == 0.5 + 1.5);
static_assert(grad(clamp(a, -1, 1) + leaky_relu(b, 0.25), at(a = 1.0, b = -2.0))[b] == 0.25);

// where takes one branch (the inner where keeps log's input in its domain); a comparison
// passes no gradient
constexpr auto gw = grad(where(a > 0.0, log(where(a > 0.0, a, 1.0)), 0.0) + (a < b) * b, at(a = 0.0, b = 1.0));
static_assert(gw.value() == 1.0 && gw[a] == 0.0 && gw[b] == 1.0);

// tensors, matrix products and reductions
constexpr auto W = var<"W", double, 2, 3>;
constexpr auto v = var<"v", double, 3>;
constexpr auto c = var<"c", double, 2>;
constexpr auto loss = sum(relu(W * v + c));
constexpr tensor<double, 2, 3> w0{{1, -2, 3}, {-1, 0.5, 2}};
constexpr tensor<double, 3> v0{1, 2, 3};
constexpr tensor<double, 2> c0{-1, 0.5};
constexpr auto gl = grad(loss, at(W = w0, v = v0, c = c0));
// row 0: 1 - 4 + 9 - 1 = 5 > 0 (active), row 1: -1 + 1 + 6 + 0.5 = 6.5 > 0 (active)
static_assert(value(loss, at(W = w0, v = v0, c = c0)) == 11.5);
static_assert(gl[W] == tensor<double, 2, 3>{{1, 2, 3}, {1, 2, 3}});
static_assert(gl[v] == tensor<double, 3>{0, -1.5, 5});
static_assert(gl[c] == tensor<double, 2>{1, 1});

// shapes, axes, softmax and losses: the arm's hand position, a softmax cross-entropy
// written as log_softmax then nll_loss, a reduction along an axis
constexpr auto hand = stack(cos(a) + 0.5 * cos(a + b), sin(a) + 0.5 * sin(a + b));
constexpr auto gh = grad(index<1>(hand), at(a = 0.0, b = 0.0));
static_assert(gh.value() == 0.0 && gh[a] == 1.5 && gh[b] == 0.5);
constexpr auto logits = var<"logits", double, 2, 3>;
constexpr auto labels = input<"labels", int, 2>;
constexpr tensor<double, 2, 3> z0{{0, 0, 0}, {1, 2, 3}};
constexpr auto gz = grad(nn::nll_loss(log_softmax(logits), labels), at(logits = z0, labels = tensor<int, 2>{1, ignore_label}));
static_assert(near(gz.value(), cx::log(3.0), 1e-15));  // row 1 ignored
static_assert(near(gz[logits](0, 1), 1.0 / 3 - 1, 1e-15) && gz[logits](1, 2) == 0.0);
static_assert(value(max<1>(logits) - min<1>(logits), at(logits = z0)) == tensor<double, 2>{0, 2});
static_assert(grad(sum(transpose<0, 1>(reshape<3, 2>(logits)) * 2.0), at(logits = z0))[logits] ==
              tensor<double, 2, 3>{{2, 2, 2}, {2, 2, 2}});
// softmax's gradient (of its first element: s0 (1 - s0) and -s0 s1), logsumexp's (the
// softmax), a concat's (each operand its part)
constexpr auto gs = grad(index<0>(softmax(index<0>(logits))), at(logits = z0));
static_assert(near(gs[logits](0, 0), 2.0 / 9, 1e-15) && near(gs[logits](0, 1), -1.0 / 9, 1e-15) && gs[logits](1, 0) == 0.0);
constexpr auto gl2 = grad(logsumexp(index<0>(logits)), at(logits = z0));
static_assert(near(gl2.value(), cx::log(3.0), 1e-15) && near(gl2[logits](0, 2), 1.0 / 3, 1e-15));
constexpr auto gc = grad(sum(hadamard(concat<1>(logits, 2.0 * logits), constant_of(tensor<double, 2, 6>::filled(1.0)))),
                         at(logits = z0));
static_assert(gc.value() == 18.0 && gc[logits] == tensor<double, 2, 3>::filled(3.0));

// float works the same
constexpr auto p = var<"p", float>;
static_assert(grad(p * p * 3.0f, at(p = 2.0f))[p] == 12.0f);

}  // namespace

TEST_CASE("constexpr results are the run-time results") {
  CHECK(g[a] == 6.0);
  const double aa = 0.7, bb = 1.3;
  CHECK(grad(f, at(a = aa, b = bb))[a] == doctest::Approx(gf[a]).epsilon(1e-14));
  CHECK(grad(f, at(a = aa, b = bb))[b] == doctest::Approx(gf[b]).epsilon(1e-14));
}

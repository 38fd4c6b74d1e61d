// The compile-time schedule: merging, constants, selection of leaves, reuse of workspaces.
#include <doctest/doctest.h>

#include <cmath>
#include <ctgrad/ctgrad.hpp>
#include <type_traits>

using namespace ctgrad;

namespace {
constexpr auto a = var<"a">;
constexpr auto b = var<"b">;
template <class E, class W = all_trainable>
constexpr std::size_t steps_of(const E&, W = {}) {
  return workspace<E, W>::steps;
}
}  // namespace

TEST_CASE("a pure subtree written twice is one step, computed once") {
  constexpr auto x = a * b;
  static_assert(steps_of(x + x) == 4);          // a, b, a*b, +
  static_assert(steps_of(a * b + a * b) == 4);  // written out twice: still merged
  static_assert(steps_of(exp(a) * exp(a) + exp(a)) == 4);
  // a deep chain of doublings has linear size, not exponential
  constexpr auto d1 = a + a;
  constexpr auto d2 = d1 * d1;
  constexpr auto d3 = d2 * d2;
  constexpr auto d4 = d3 * d3;
  constexpr auto d5 = d4 * d4;
  static_assert(steps_of(d5) == 6);
  CHECK(grad(d5, at(a = 0.5))[a] == doctest::Approx(32.0));  // d/da (2a)^16 = 32 (2a)^15
}

namespace {
// y <- sin(y) * a + b, N times from y = x: three steps a level
template <int N, class Y>
constexpr auto sine_chain(const Y& y) {
  if constexpr (N == 0)
    return y;
  else
    return sine_chain<N - 1>(sin(y) * a + b);
}
}  // namespace

TEST_CASE("an expression of 300 steps compiles and differentiates (Clang nests folds at most 256 deep)") {
  constexpr auto x = var<"x">;
  constexpr auto e = sine_chain<100>(x);
  static_assert(steps_of(e) == 303);
  const double x0 = 0.3, a0 = 0.9, b0 = 0.1;
  // the same chain by hand, with its derivatives carried forward
  double y = x0, dx = 1, da = 0, db = 0;
  for (int k = 0; k < 100; ++k) {
    const double c = std::cos(y) * a0, s = std::sin(y);
    dx = c * dx;
    da = c * da + s;
    db = c * db + 1;
    y = s * a0 + b0;
  }
  const auto g = grad(e, at(x = x0, a = a0, b = b0));
  CHECK(g.value() == doctest::Approx(y).epsilon(1e-12));
  CHECK(g[x] == doctest::Approx(dx).epsilon(1e-10));
  CHECK(g[a] == doctest::Approx(da).epsilon(1e-10));
  CHECK(g[b] == doctest::Approx(db).epsilon(1e-10));
}

TEST_CASE("a node holds only the children that carry data") {
  // a pure expression is its type alone: nothing is stored, nothing is copied
  constexpr auto pure = sin(a * b) + a * a;
  static_assert(std::is_empty_v<std::remove_cvref_t<decltype(pure)>>);
  // constants are held where they are, and read from there
  constexpr auto mixed = sin(a * 2.5) + 0.5 * b;
  static_assert(sizeof(mixed) == 2 * sizeof(double));
  static_assert(value(3.0 * a + b * 0.5, at(a = 2.0, b = 4.0)) == 8.0);
  static_assert(grad(a * 2.5 + 0.5 * b, at(a = 1.0, b = 1.0))[b] == 0.5);
  CHECK(value(mixed, at(a = 0.0, b = 4.0)) == 2.0);
}

TEST_CASE("different constants are never merged") {
  constexpr auto e = a * 0.5 + a * 0.25;  // same types, different numbers
  static_assert(steps_of(e) == 6);        // a, 0.5, a*0.5, 0.25, a*0.25, +
  CHECK(value(e, at(a = 4.0)) == 3.0);
  CHECK(grad(e, at(a = 4.0))[a] == 0.75);
}

TEST_CASE("gradients accumulate over every use of a node") {
  constexpr auto x = a * b;
  const auto g = grad(x * x + x, at(a = 2.0, b = 3.0));  // d/da = (2x + 1) b
  CHECK(g[a] == 39.0);
  CHECK(g[b] == 26.0);
}

TEST_CASE("choosing the leaves to differentiate") {
  constexpr auto X = input<"X", double, 2>;
  constexpr auto w = var<"w", double, 2>;
  constexpr auto e = sum(hadamard(X, w));
  const tensor<double, 2> xv{1, 2}, wv{3, 4};
  const auto g = grad(e, at(X = xv, w = wv));  // inputs get no gradient by default
  static_assert(decltype(g)::contains(w) && !decltype(g)::contains(X));
  CHECK(g[w] == xv);
  const auto gx = grad(e, wrt(X), at(X = xv, w = wv));
  static_assert(!decltype(gx)::contains(w));
  CHECK(gx[X] == wv);
  static_assert(steps_of(e, wrt(X)) == steps_of(e));
}

TEST_CASE("an expression is a reusable value; a workspace is reused without rebuilding") {
  constexpr auto W = var<"W", float, 3, 2>;
  constexpr auto x = input<"x", float, 2>;
  const auto e = sum(tanh(W * x));
  workspace<std::remove_cvref_t<decltype(e)>> ws;
  tensor<float, 3, 2> wv{{0.1f, 0.2f}, {0.3f, -0.4f}, {0.5f, 0.6f}};
  for (int i = 0; i < 3; ++i) {
    const tensor<float, 2> xv{float(i), 1.0f};
    const auto& g = ws.grad(e, at(W = wv, x = xv));
    const auto fresh = grad(e, at(W = wv, x = xv));  // same numbers from a fresh workspace
    CHECK(g[W] == fresh[W]);
    CHECK(ws.value(e, at(W = wv, x = xv)) == value(e, at(W = wv, x = xv)));
  }
}

TEST_CASE("vjp: a non-scalar expression with a seed") {
  constexpr auto v = var<"v", double, 3>;
  const tensor<double, 3> vv{1, 2, 3}, seed{1, 0, 2};
  const auto g = vjp(exp(v) * 2.0, seed, at(v = vv));
  CHECK(g[v][0] == doctest::Approx(2 * std::exp(1.0)));
  CHECK(g[v][1] == 0.0);
  CHECK(g[v][2] == doctest::Approx(4 * std::exp(3.0)));
}

TEST_CASE("a leaf that is the whole expression") {
  CHECK(grad(a, at(a = 5.0))[a] == 1.0);
  CHECK(value(a, at(a = 5.0)) == 5.0);
}

TEST_CASE("fusion: fusable elementwise steps with one consumer are computed where they are read") {
  constexpr auto y = input<"y", double, 5>;
  constexpr auto mu = var<"mu">;
  constexpr auto d = y - mu;
  constexpr auto e = sum(-0.5 * square(d));
  using S = workspace<std::remove_cvref_t<decltype(e)>>::schedule;
  // steps (left operand first): -0.5, y, mu, y-mu, square, *, sum
  static_assert(S::size == 7);
  static_assert(!S::fused[0] && !S::fused[1] && !S::fused[2]);  // constants and leaves
  static_assert(S::fused[3] && S::fused[4] && S::fused[5]);     // y-mu, square, -0.5*(.)
  static_assert(!S::fused[6]);                                    // the root is stored
  // used twice (two edges): stored, not recomputed
  constexpr auto twice = sum(hadamard(d, d));
  static_assert(!workspace<std::remove_cvref_t<decltype(twice)>>::schedule::fused[2]);
  // expensive functions are stored
  constexpr auto ex = sum(exp(d));
  static_assert(!workspace<std::remove_cvref_t<decltype(ex)>>::schedule::fused[3]);
  // a broadcast operand is read many times: stored
  constexpr auto m = var<"m", double, 2, 3>;
  constexpr auto v = var<"v", double, 3>;
  constexpr auto bc = sum(m + (v * 2.0));
  using SB = workspace<std::remove_cvref_t<decltype(bc)>>::schedule;
  static_assert(!SB::fused[SB::root - 2] && SB::fused[SB::root - 1]);  // v*2 stored; m + (.) fused into sum

  const tensor<double, 5> yv{1, 2, 3, 4, 5};
  const auto g = grad(e, at(y = yv, mu = 3.0));
  CHECK(g.value() == -0.5 * (4 + 1 + 0 + 1 + 4));
  CHECK(g[mu] == 0.0);  // d/dmu = sum(y - mu), zero at the mean
  CHECK(grad(e, at(y = yv, mu = 2.5))[mu] == 2.5);
}

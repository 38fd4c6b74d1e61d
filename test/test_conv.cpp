// conv2d, max_pool2d, avg_pool2d: against PyTorch (values and gradients), finite
// differences, a dynamic batch, and in the compiler.
#include <doctest/doctest.h>

#include <ctgrad/ctgrad.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include "gradcheck.hpp"
#include "same_as_static.hpp"
#include "torch_compare.hpp"

using namespace ctgrad;
using test::check_close;
using test::tensor_of;

namespace {

// y = conv2d<Stride, Padding, Dilation>(x, w[, b]) at torch_ref's inputs against its y and
// the gradients of sum(R * y); bias: the leaf b, its values and PyTorch's db, or nothing
template <std::size_t Stride, std::size_t Padding, std::size_t Dilation, class X, class W, std::size_t NX, std::size_t NW,
          std::size_t NY, class... Bias>
void conv_against_torch(X x, W w, const double (&xs)[NX], const double (&ws)[NW], const double (&y)[NY],
                        const double (&r)[NY], const double (&dx)[NX], const double (&dw)[NW], const Bias&... bias) {
  const auto xv = tensor_of<tensor_for<double, typename X::shape_type>>(xs);
  const auto wv = tensor_of<tensor_for<double, typename W::shape_type>>(ws);
  auto check = [&](const auto& e, const auto& bound) {
    const auto rv = tensor_of<tensor_for<double, typename std::remove_cvref_t<decltype(e)>::shape_type>>(r);
    const auto g = grad(sum(hadamard(e, constant_of(rv))), bound);
    check_close(value(e, bound), y);
    check_close(g[x], dx);
    check_close(g[w], dw);
    return g;
  };
  if constexpr (sizeof...(Bias) == 0) {
    check(conv2d<Stride, Padding, Dilation>(x, w), at(x = xv, w = wv));
  } else {
    [&](auto b, const auto& bs, const auto& db) {
      const auto bv = tensor_of<tensor_for<double, typename decltype(b)::shape_type>>(bs);
      check_close(check(conv2d<Stride, Padding, Dilation>(x, w, b), at(x = xv, w = wv, b = bv))[b], db);
    }(bias...);
  }
}

}  // namespace

TEST_CASE("conv2d: values and gradients as PyTorch's, with padding, stride, dilation and bias") {
  using namespace torch_ref;
  SUBCASE("padding 1, bias") {
    constexpr auto x = var<"x", double, 2, 3, 6, 5>;
    constexpr auto w = var<"w", double, 4, 3, 3, 3>;
    constexpr auto b = var<"b", double, 4>;
    conv_against_torch<1, 1, 1>(x, w, conv_pad_x, conv_pad_w, conv_pad_y, conv_pad_R, conv_pad_dx, conv_pad_dw, b, conv_pad_b,
                                conv_pad_db);
  }
  SUBCASE("stride 2, dilation 2, a 2x3 kernel") {
    constexpr auto x = var<"x", double, 1, 2, 7, 7>;
    constexpr auto w = var<"w", double, 3, 2, 2, 3>;
    conv_against_torch<2, 0, 2>(x, w, conv_stride_x, conv_stride_w, conv_stride_y, conv_stride_R, conv_stride_dx,
                                conv_stride_dw);
  }
  SUBCASE("LeNet's first layer: 5x5, padding 2, bias") {
    constexpr auto x = var<"x", double, 2, 1, 5, 5>;
    constexpr auto w = var<"w", double, 2, 1, 5, 5>;
    constexpr auto b = var<"b", double, 2>;
    static_assert(std::is_same_v<decltype(conv2d<1, 2>(x, w, b))::shape_type, shape<2, 2, 5, 5>>);
    conv_against_torch<1, 2, 1>(x, w, conv_lenet_x, conv_lenet_w, conv_lenet_y, conv_lenet_R, conv_lenet_dx, conv_lenet_dw, b,
                                conv_lenet_b, conv_lenet_db);
  }
  SUBCASE("a stride that does not divide: the last rows are not read, as in PyTorch") {
    constexpr auto x = var<"x", double, 1, 2, 8, 6>;
    constexpr auto w = var<"w", double, 2, 2, 3, 3>;
    constexpr auto b = var<"b", double, 2>;
    static_assert(std::is_same_v<decltype(conv2d<3, 1>(x, w, b))::shape_type, shape<1, 2, 3, 2>>);
    conv_against_torch<3, 1, 1>(x, w, conv_floor_x, conv_floor_w, conv_floor_y, conv_floor_R, conv_floor_dx, conv_floor_dw, b,
                                conv_floor_b, conv_floor_db);
  }
}

namespace {
// conv2d<S, Pad, D> with a bias on x [N, C, H, W] and w [O, C, KH, KW] against direct loops
// over its definition, value and the three gradients of sum(R * y). Small integers make
// every sum exact, so any lost, doubled or misplaced term shows.
template <class T, std::size_t S, std::size_t Pad, std::size_t D, std::size_t N, std::size_t C, std::size_t H, std::size_t W,
          std::size_t O, std::size_t KH, std::size_t KW>
void conv_against_direct_loops() {
  constexpr std::size_t OH = (H + 2 * Pad - D * (KH - 1) - 1) / S + 1, OW = (W + 2 * Pad - D * (KW - 1) - 1) / S + 1;
  constexpr auto x = var<"x", T, N, C, H, W>;
  constexpr auto w = var<"w", T, O, C, KH, KW>;
  constexpr auto b = var<"b", T, O>;
  tensor<T, N, C, H, W> xv;
  tensor<T, O, C, KH, KW> wv;
  tensor<T, O> bv;
  tensor<T, N, O, OH, OW> rv;
  for (std::size_t i = 0; i < xv.size(); ++i) xv.flat(i) = static_cast<T>(int(i * 7 % 5) - 2);
  for (std::size_t i = 0; i < wv.size(); ++i) wv.flat(i) = static_cast<T>(int(i * 5 % 3) - 1);
  for (std::size_t i = 0; i < bv.size(); ++i) bv.flat(i) = static_cast<T>(i % 4);
  for (std::size_t i = 0; i < rv.size(); ++i) rv.flat(i) = static_cast<T>(int(i * 11 % 3) - 1);
  std::vector<T> y(rv.size()), dx(xv.size()), dw(wv.size()), db(bv.size());
  auto xi = [&](std::size_t n, std::size_t c, std::size_t h, std::size_t v) { return ((n * C + c) * H + h) * W + v; };
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t o = 0; o < O; ++o)
      for (std::size_t oh = 0; oh < OH; ++oh)
        for (std::size_t ow = 0; ow < OW; ++ow) {
          const std::size_t yi = ((n * O + o) * OH + oh) * OW + ow;
          const T r = rv.flat(yi);
          T s = bv.flat(o);
          db[o] += r;
          for (std::size_t c = 0; c < C; ++c)
            for (std::size_t kh = 0; kh < KH; ++kh)
              for (std::size_t kw = 0; kw < KW; ++kw) {
                const long ih = long(oh * S + kh * D) - long(Pad), iw = long(ow * S + kw * D) - long(Pad);
                if (ih < 0 || iw < 0 || ih >= long(H) || iw >= long(W)) continue;
                const std::size_t at = xi(n, c, std::size_t(ih), std::size_t(iw)), wi = ((o * C + c) * KH + kh) * KW + kw;
                s += wv.flat(wi) * xv.flat(at);
                dx[at] += wv.flat(wi) * r;
                dw[wi] += xv.flat(at) * r;
              }
          y[yi] = s;
        }
  const auto e = conv2d<S, Pad, D>(x, w, b);
  const auto bound = at(x = xv, w = wv, b = bv);
  const auto g = grad(sum(hadamard(e, constant_of(rv))), bound);
  const auto yv = value(e, bound);
  auto same = [](const auto& t, const std::vector<T>& expected) {
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) wrong += t.flat(i) != expected[i];
    return wrong;
  };
  CAPTURE(N);
  CAPTURE(C);
  CAPTURE(H);
  CAPTURE(O);
  CHECK(same(yv, y) == 0);
  CHECK(same(g[x], dx) == 0);
  CHECK(same(g[w], dw) == 0);
  CHECK(same(g[b], db) == 0);
}
}  // namespace

// The patches are made in blocks of a fixed scratch (detail::conv_scratch_bytes): these
// images need several blocks of taps (200 and 144 taps of 400 and 361 positions), several
// of positions (16,900 and 36,100 of one tap each), and many per weight-gradient panel.
TEST_CASE("conv2d on images whose patches outgrow the scratch: the same sums as direct loops") {
  conv_against_direct_loops<double, 1, 2, 1, 2, 8, 20, 20, 3, 5, 5>();
  conv_against_direct_loops<float, 1, 2, 1, 2, 8, 20, 20, 3, 5, 5>();
  conv_against_direct_loops<double, 2, 1, 2, 1, 16, 40, 40, 4, 3, 3>();
  conv_against_direct_loops<double, 1, 1, 1, 1, 1, 130, 130, 2, 3, 3>();
  conv_against_direct_loops<float, 1, 1, 1, 1, 1, 190, 190, 2, 3, 3>();
}

TEST_CASE("max_pool2d and avg_pool2d: values and gradients as PyTorch's, windows apart and overlapping") {
  constexpr auto x = var<"x", double, 2, 2, 6, 4>;
  auto check = [&](auto pooled, const auto& xs, const auto& r, const auto& y, const auto& dx) {
    const auto xv = tensor_of<tensor<double, 2, 2, 6, 4>>(xs);
    const auto rv = tensor_of<tensor_for<double, typename decltype(pooled)::shape_type>>(r);
    check_close(value(pooled, at(x = xv)), y);
    check_close(grad(sum(hadamard(pooled, constant_of(rv))), at(x = xv))[x], dx);
  };
  using namespace torch_ref;
  check(max_pool2d<2>(x), pool_max2_x, pool_max2_R, pool_max2_y, pool_max2_dx);
  check(max_pool2d<3, 1>(x), pool_max3s1_x, pool_max3s1_R, pool_max3s1_y, pool_max3s1_dx);
  check(avg_pool2d<2>(x), pool_avg2_x, pool_avg2_R, pool_avg2_y, pool_avg2_dx);
  check(avg_pool2d<3, 1>(x), pool_avg3s1_x, pool_avg3s1_R, pool_avg3s1_y, pool_avg3s1_dx);
}

// PyTorch's rule: a window's gradient goes to its first maximum, and to a NaN if it holds one
TEST_CASE("max_pool2d: ties give the gradient to the first maximum, a NaN takes it") {
  constexpr auto x = var<"x", double, 1, 1, 2, 4>;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  tensor<double, 1, 1, 2, 4> xv;
  const double xs[] = {1, 3, 5, 5, 3, 2, 5, nan};
  for (std::size_t i = 0; i < 8; ++i) xv.flat(i) = xs[i];
  tensor<double, 1, 1, 1, 2> r;
  r.flat(0) = 2, r.flat(1) = 7;
  const auto y = value(max_pool2d<2>(x), at(x = xv));
  CHECK(y.flat(0) == 3);
  CHECK(std::isnan(y.flat(1)));
  const auto g = grad(sum(hadamard(max_pool2d<2>(x), constant_of(r))), at(x = xv))[x];
  const double expected[] = {0, 2, 0, 0, 0, 0, 0, 7};
  for (std::size_t i = 0; i < 8; ++i) CHECK(g.flat(i) == expected[i]);
  // overlapping windows (stride 1) add up: windows at columns 0, 1, 2
  tensor<double, 1, 1, 1, 3> r3;
  r3.flat(0) = 1, r3.flat(1) = 10, r3.flat(2) = 100;
  const auto g3 = grad(sum(hadamard(max_pool2d<2, 1>(x), constant_of(r3))), at(x = xv))[x];
  const double expected3[] = {0, 1, 10, 0, 0, 0, 0, 100};
  for (std::size_t i = 0; i < 8; ++i) CHECK(g3.flat(i) == expected3[i]);
}

namespace {

// pool<K, Stride, Max>(x) and the gradient of sum(R * pooled) against direct loops over each
// window, row-major: the maximum with NaN winning, dy to its first element (first NaN); or
// the mean. Small integers make ties common and every sum exact, so the check is equality.
template <class T, std::size_t K, std::size_t S, bool Max, std::size_t N, std::size_t C, std::size_t H, std::size_t W>
void pool_against_direct_loops() {
  constexpr std::size_t OH = (H - K) / S + 1, OW = (W - K) / S + 1;
  constexpr auto x = var<"x", T, N, C, H, W>;
  tensor<T, N, C, H, W> xv;
  tensor<T, N, C, OH, OW> rv;
  for (std::size_t i = 0; i < xv.size(); ++i)
    xv.flat(i) = i % 23 == 5 ? std::numeric_limits<T>::quiet_NaN() : static_cast<T>(int(i * 7 % 5) - 2);
  for (std::size_t i = 0; i < rv.size(); ++i) rv.flat(i) = static_cast<T>(int(i % 7) - 3);
  std::vector<T> y(rv.size()), dx(xv.size());
  for (std::size_t plane = 0; plane < N * C; ++plane)
    for (std::size_t oh = 0; oh < OH; ++oh)
      for (std::size_t ow = 0; ow < OW; ++ow) {
        const std::size_t o = (plane * OH + oh) * OW + ow;
        std::size_t best = plane * H * W + oh * S * W + ow * S;
        T acc{};
        for (std::size_t r = 0; r < K; ++r)
          for (std::size_t c = 0; c < K; ++c) {
            const std::size_t at = plane * H * W + (oh * S + r) * W + ow * S + c;
            const T v = xv.flat(at), b = xv.flat(best);
            if (!std::isnan(b) && (std::isnan(v) || v > b)) best = at;
            acc += v;
          }
        if constexpr (Max) {
          y[o] = xv.flat(best);
          dx[best] += rv.flat(o);
        } else {
          y[o] = acc / T(K * K);
          for (std::size_t r = 0; r < K; ++r)
            for (std::size_t c = 0; c < K; ++c) dx[plane * H * W + (oh * S + r) * W + ow * S + c] += rv.flat(o) / T(K * K);
        }
      }
  const auto pooled = [&] {
    if constexpr (Max)
      return max_pool2d<K, S>(x);
    else
      return avg_pool2d<K, S>(x);
  }();
  const auto yv = value(pooled, at(x = xv));
  const auto g = grad(sum(hadamard(pooled, constant_of(rv))), at(x = xv))[x];
  auto same = [](T a, T b) { return a == b || (std::isnan(a) && std::isnan(b)); };
  std::size_t wrong_y = 0, wrong_dx = 0;
  for (std::size_t i = 0; i < y.size(); ++i) wrong_y += !same(yv.flat(i), y[i]);
  for (std::size_t i = 0; i < dx.size(); ++i) wrong_dx += !same(g.flat(i), dx[i]);
  CAPTURE(K);
  CAPTURE(S);
  CAPTURE(W);
  CHECK(wrong_y == 0);
  CHECK(wrong_dx == 0);
}

}  // namespace

// At run time, rows of windows at least half a vector long run along the row and shorter
// ones a vector of windows at a time (ops/conv.hpp): both, with ties, NaNs and overlaps
TEST_CASE_TEMPLATE("max_pool2d and avg_pool2d at run time: short and long rows of windows, ties and NaNs", T, float, double) {
  pool_against_direct_loops<T, 2, 2, true, 2, 3, 6, 6>();    // 3 windows a row
  pool_against_direct_loops<T, 2, 2, true, 2, 3, 6, 40>();   // 20
  pool_against_direct_loops<T, 3, 1, true, 2, 3, 6, 7>();    // 5, overlapping
  pool_against_direct_loops<T, 3, 1, true, 1, 2, 5, 40>();   // 38, overlapping
  pool_against_direct_loops<T, 3, 2, true, 1, 2, 7, 41>();   // 20, overlapping
  pool_against_direct_loops<T, 2, 2, false, 2, 3, 6, 6>();
  pool_against_direct_loops<T, 3, 1, false, 1, 2, 5, 40>();
}

TEST_CASE_TEMPLATE("conv2d and avg_pool2d: gradients against finite differences", T, float, double) {
  std::mt19937_64 rng(18);
  constexpr auto x = var<"x", T, 2, 3, 8, 6>;
  constexpr auto w = var<"w", T, 4, 3, 3, 2>;
  constexpr auto b = var<"b", T, 4>;
  test::check_gradient(test::weighted<2, 4, 4, 4>(conv2d<2, 1>(x, w, b), rng), rng, {}, x, w, b);
  test::check_gradient(test::weighted<2, 4, 4, 4>(conv2d<1, 0, 2>(x, w), rng), rng, {}, x, w);
  test::check_gradient(test::weighted<2, 3, 4, 3>(avg_pool2d<2>(x), rng) + test::weighted<2, 3, 3, 2>(avg_pool2d<4, 2>(x), rng),
                       rng, {}, x);
}

// A maximum is not differentiable where two elements tie, and a finite difference across a
// near-tie is wrong: the inputs here are a shuffled ladder, 0.03 apart (the float step is
// below 0.01).
TEST_CASE_TEMPLATE("max_pool2d: gradients against finite differences", T, float, double) {
  std::mt19937_64 rng(19);
  constexpr auto x = var<"x", T, 2, 3, 8, 6>;
  tensor<T, 2, 3, 8, 6> xv;
  for (std::size_t i = 0; i < xv.size(); ++i) xv.flat(i) = static_cast<T>(0.03 * static_cast<double>((i * 67) % xv.size()) - 4);
  const auto e = test::weighted<2, 3, 4, 3>(max_pool2d<2>(x), rng) + test::weighted<2, 3, 3, 2>(max_pool2d<4, 2>(x), rng) +
                 test::weighted<2, 3, 6, 4>(max_pool2d<3, 1>(x), rng);
  const auto report = gradcheck(e, wrt(x), at(x = xv), {.atol = test::fd_tolerance<T>()});
  INFO(report);
  CHECK(bool(report));
}

TEST_CASE("conv, tanh, max-pool, conv: gradients against finite differences") {
  std::mt19937_64 rng(20);
  constexpr auto x = var<"x", double, 2, 3, 8, 6>;
  constexpr auto w = var<"w", double, 4, 3, 3, 3>;
  constexpr auto b = var<"b", double, 4>;
  constexpr auto w2 = var<"w2", double, 2, 4, 2, 2>;
  const auto net = conv2d<1, 0>(max_pool2d<2>(tanh(conv2d<1, 1>(x, w, b))), w2);  // [2, 4, 4, 3] -> [2, 2, 3, 2]
  test::check_gradient(test::weighted<2, 2, 3, 2>(net, rng), rng, {}, x, w, b, w2);
}

TEST_CASE_TEMPLATE("conv2d and pooling with a dynamic batch: the same bits as the batch compiled in", T, float, double) {
  constexpr auto w = var<"w", T, 3, 2, 3, 3>;
  constexpr auto b = var<"b", T, 3>;
  constexpr auto w2 = var<"w2", T, 2, 3, 2, 2>;
  auto net = [&](auto x) { return sum(square(avg_pool2d<2>(conv2d<1, 0>(max_pool2d<2>(relu(conv2d<1, 1>(x, w, b))), w2)))); };
  tensor<T, 3, 2, 3, 3> wv;
  tensor<T, 3> bv;
  tensor<T, 2, 3, 2, 2> w2v;
  for (auto& v : wv) v = test::uniform<T>();
  for (auto& v : bv) v = test::uniform<T>();
  for (auto& v : w2v) v = test::uniform<T>();
  constexpr auto xs = var<"x", T, 5, 2, 6, 6>;
  constexpr auto xd = var<"x", T, dyn, 2, 6, 6>;
  tensor<T, 5, 2, 6, 6> xsv;
  tensor<T, dyn, 2, 6, 6> xdv(5);
  for (std::size_t i = 0; i < xsv.size(); ++i) xdv.flat(i) = xsv.flat(i) = test::uniform<T>();
  const auto gs = grad(net(xs), at(xs = xsv, w = wv, b = bv, w2 = w2v));
  const auto gd = grad(net(xd), at(xd = xdv, w = wv, b = bv, w2 = w2v));
  CHECK(test::flatten(gs) == test::flatten(gd));
}

namespace {
// a 1-channel 4x4 image, two 2x2 filters with a bias, ReLU, a 2x2 max-pool: the gradient of
// the sum with respect to the filters, in the compiler
constexpr auto cx = var<"x", double, 1, 1, 4, 4>;
constexpr auto cw = var<"w", double, 2, 1, 2, 2>;
constexpr auto cb = var<"b", double, 2>;
constexpr auto small_net = sum(max_pool2d<2, 1>(relu(conv2d<1, 0>(cx, cw, cb))));
constexpr auto small_grad() {
  tensor<double, 1, 1, 4, 4> x{};
  for (std::size_t i = 0; i < 16; ++i) x.flat(i) = static_cast<double>((i * 5) % 7) - 2;  // -2 .. 4
  tensor<double, 2, 1, 2, 2> w{};
  const double wv[] = {1, -1, 0.5, 2, -1, 0.25, 1, -0.5};
  for (std::size_t i = 0; i < 8; ++i) w.flat(i) = wv[i];
  tensor<double, 2> b{};
  b.flat(0) = 0.5, b.flat(1) = -1;
  return grad(small_net, at(cx = x, cw = w, cb = b));
}
}  // namespace

TEST_CASE("conv2d and max_pool2d in the compiler, and the same at run time") {
  constexpr auto g = small_grad();
  // PyTorch 1.13: 36.75, dw = [8, 0, 4, 10, -2, 3, 4, 2], db = [4, 1]
  static_assert(g.value() == 36.75);
  static_assert(g[cw].flat(0) == 8 && g[cw].flat(3) == 10 && g[cw].flat(4) == -2 && g[cw].flat(7) == 2);
  static_assert(g[cb].flat(0) == 4 && g[cb].flat(1) == 1);
  const auto r = small_grad();
  CHECK(r.value() == g.value());
  CHECK(test::flatten(r) == test::flatten(g));
}

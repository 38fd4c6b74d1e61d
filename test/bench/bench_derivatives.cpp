// Forward mode, Hessians and Jacobians (docs/benchmarks.md, section C), each against a
// baseline in the same process, interleaved; prints medians and `ratio <id> <what> <x.xx>`.
//
//   jvp_W1b, jvp_W5      jvp (value and tangent) against value alone
//   hess_N2/10/100       hessian of the N-dimensional Rosenbrock against a hand-written dense
//                        Hessian (all N^2 entries), and against ctgrad's own gradient
//   jac_arm6             jacobian of a six-joint planar arm's pose against the analytic one
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include <ctgrad/ctgrad.hpp>

#include "timing.hpp"
#include "w5_model.hpp"

using namespace ctgrad;

namespace {

using bench::escape;

int mismatches = 0;

void check(const char* id, const double* got, const double* want, std::size_t n, double tol = 1e-9) {
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(got[i] - want[i]) / std::max(1.0, std::abs(want[i])));
  if (!(worst <= tol)) {
    std::printf("MISMATCH %s: results differ by %g\n", id, worst);
    ++mismatches;
  }
}

template <class F, class H>
double time_pair(const char* id, const char* what, F&& f, H&& h, int calls) {
  const auto t = bench::interleaved(f, h, calls);
  std::printf("%-10s %-14s %11.1f ns vs %11.1f ns  (spread %.1f-%.1f)\n", id, what, t.first.median, t.second.median,
              t.first.q1, t.first.q3);
  std::printf("ratio %s %s %.2f\n", id, what, t.ratio());
  return t.ratio();
}

template <std::size_t N>
void rosenbrock_hessian(const char* id, int calls) {
  constexpr auto x = var<"x", double, N>;
  constexpr auto f = sum(100.0 * square(slice<0, 1, N>(x) - square(slice<0, 0, N - 1>(x))) + square(1.0 - slice<0, 0, N - 1>(x)));
  tensor<double, N> xv;
  std::mt19937_64 rng(N);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  for (auto& v : xv) v = u(rng);
  static std::vector<double> out(N * N), want(N * N);
  auto ctgrad_side = [&] {
    escape(xv.data());
    const auto H = hessian(f, wrt(x), at(x = xv));
    std::copy(H.matrix().begin(), H.matrix().end(), out.begin());
    escape(out.data());
  };
  auto hand = [&] {
    escape(xv.data());
    double* h = want.data();
    std::fill(h, h + N * N, 0.0);
    for (std::size_t i = 0; i + 1 < N; ++i) {
      h[i * N + i] += 1200 * xv[i] * xv[i] - 400 * xv[i + 1] + 2;
      h[(i + 1) * N + i + 1] += 200;
      h[i * N + i + 1] = h[(i + 1) * N + i] = -400 * xv[i];
    }
    escape(h);
  };
  auto gradient = [&] {
    escape(xv.data());
    const auto g = grad(f, at(x = xv));
    std::copy(g[x].begin(), g[x].end(), out.begin());
    escape(out.data());
  };
  ctgrad_side();
  hand();
  check(id, out.data(), want.data(), N * N);
  time_pair(id, "ctgrad/hand", ctgrad_side, hand, calls);
  const double r = time_pair(id, "hessian/grad", ctgrad_side, gradient, calls);
  std::printf("%-10s hessian costs %.1f gradients for N = %zu (N/2 = %.1f)\n", id, r, N, N / 2.0);
}

}  // namespace

int main() {
  {  // W1b of bench_gradients
    constexpr auto x = var<"x">;
    constexpr auto y = var<"y">;
    constexpr auto z = var<"z">;
    constexpr auto f = x * y * z + sin(x) * exp(y) + log(z) / x + pow(x, 3);
    double in[3] = {0.7, 1.1, 1.9}, out[2], want[2];
    const auto g = grad(f, at(x = in[0], y = in[1], z = in[2]));
    want[0] = g.value(), want[1] = g[x] * 1.0 + g[y] * 0.5 - g[z] * 0.3;
    auto forward = [&] {
      escape(in);
      const auto r = jvp(f, along(x = 1.0, y = 0.5, z = -0.3), at(x = in[0], y = in[1], z = in[2]));
      out[0] = r.value(), out[1] = r.tangent();
      escape(out);
    };
    auto plain = [&] {
      escape(in);
      out[0] = value(f, at(x = in[0], y = in[1], z = in[2]));
      escape(out);
    };
    forward();
    check("jvp_W1b", out, want, 2, 1e-13);
    time_pair("jvp_W1b", "jvp/value", forward, plain, 10000);
  }
  {  // W5: the MLP 2-16-16-1, a tangent for every parameter
    using namespace w5;
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> u(-0.5, 0.5);
    tensor<double, 16, 2> w1, d1;
    tensor<double, 16> c1, c2, e1, e2;
    tensor<double, 16, 16> w2, d2;
    tensor<double, 1, 16> w3, d3;
    tensor<double, 1> c3, e3;
    for (auto* t : {w1.data(), d1.data()}) std::generate(t, t + 32, [&] { return u(rng); });
    for (auto* t : {c1.data(), c2.data(), e1.data(), e2.data(), w3.data(), d3.data()}) std::generate(t, t + 16, [&] { return u(rng); });
    for (auto* t : {w2.data(), d2.data()}) std::generate(t, t + 256, [&] { return u(rng); });
    c3[0] = u(rng), e3[0] = u(rng);
    const tensor<double, 2> xv{0.3, -0.8};
    const double target = 0.5;
    const auto bound = at(x = xv, t = target, W1 = w1, b1 = c1, W2 = w2, b2 = c2, W3 = w3, b3 = c3);
    const auto g = grad(loss, bound);
    double dot = 0;  // <grad, tangent>: what the jvp must give
    for (std::size_t i = 0; i < 32; ++i) dot += g[W1].flat(i) * d1.flat(i);
    for (std::size_t i = 0; i < 256; ++i) dot += g[W2].flat(i) * d2.flat(i);
    for (std::size_t i = 0; i < 16; ++i) dot += g[b1](i) * e1(i) + g[b2](i) * e2(i) + g[W3].flat(i) * d3.flat(i);
    dot += g[b3](0) * e3(0);
    double out[2], want[2] = {g.value(), dot};
    auto forward = [&] {
      escape(w1.data());
      const auto r = jvp(loss, along(W1 = d1, b1 = e1, W2 = d2, b2 = e2, W3 = d3, b3 = e3), bound);
      out[0] = r.value(), out[1] = r.tangent();
      escape(out);
    };
    auto plain = [&] {
      escape(w1.data());
      out[0] = value(loss, bound);
      escape(out);
    };
    forward();
    check("jvp_W5", out, want, 2, 1e-12);
    time_pair("jvp_W5", "jvp/value", forward, plain, 2000);
  }
  rosenbrock_hessian<2>("hess_N2", 10000);
  rosenbrock_hessian<10>("hess_N10", 2000);
  rosenbrock_hessian<100>("hess_N100", 50);
  {  // a six-joint planar arm: pose (x, y, heading) of the joint angles
    constexpr auto theta = var<"theta", double, 6>;
    constexpr tensor<double, 6> l{0.5, 0.45, 0.4, 0.3, 0.25, 0.2};
    constexpr auto a = stack(sum(slice<0, 0, 1>(theta)), sum(slice<0, 0, 2>(theta)), sum(slice<0, 0, 3>(theta)),
                             sum(slice<0, 0, 4>(theta)), sum(slice<0, 0, 5>(theta)), sum(theta));
    constexpr auto pose = stack(sum(hadamard(constant_of(l), cos(a))), sum(hadamard(constant_of(l), sin(a))), sum(theta));
    tensor<double, 6> q{0.3, -0.2, 0.5, 0.1, -0.4, 0.25};
    double out[18], want[18];
    auto ctgrad_side = [&] {
      escape(q.data());
      const auto J = jacobian(pose, wrt(theta), at(theta = q));
      std::copy(J.matrix().begin(), J.matrix().end(), out);
      escape(out);
    };
    auto hand = [&] {
      escape(q.data());
      double s[6], c[6], acc = 0;
      for (int k = 0; k < 6; ++k) acc += q[k], s[k] = l[k] * std::sin(acc), c[k] = l[k] * std::cos(acc);
      double sx = 0, sy = 0;
      for (int j = 5; j >= 0; --j) {  // d/d theta_j moves every link from j on
        sx += s[j], sy += c[j];
        want[j] = -sx, want[6 + j] = sy, want[12 + j] = 1;
      }
      escape(want);
    };
    ctgrad_side();
    hand();
    check("jac_arm6", out, want, 18, 1e-12);
    time_pair("jac_arm6", "ctgrad/hand", ctgrad_side, hand, 10000);
  }
  if (mismatches) std::printf("%d MISMATCHES\n", mismatches);
  return mismatches ? 1 : 0;
}

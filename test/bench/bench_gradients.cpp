// Workloads W1a-W7 of docs/benchmarks.md, section A: ctgrad vs a hand-written analytic gradient
// in the same process, interleaved; prints medians and `ratio <id> ctgrad/hand <x.xx>`. For
// W2-W4 also against hand-written Eigen array code (vectorised sums, exp and log: what a
// careful person writes), `ratio <id> ctgrad/eigen`, when the build found Eigen.
// ctgrad's route is the free grad(e, at(...)) with the gradient read from the result's views.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>
#include <vector>

#include <ctgrad/ctgrad.hpp>

#ifdef CTGRAD_BENCH_EIGEN
#include <Eigen/Core>
#endif

#include "../alloc_counter.hpp"
#include "timing.hpp"
#include "w5_model.hpp"

using namespace ctgrad;

namespace {

using bench::escape;

int mismatches = 0;

// Runs `run`, which writes n outputs to result, and counts a mismatch if they differ from
// expected (the hand-written ones) by more than 1e-9, relatively.
template <class Run>
void check(const char* id, const char* who, Run&& run, const std::vector<double>& expected, const double* result,
           std::size_t n) {
  run();
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i)
    worst = std::max(worst, std::abs(result[i] - expected[i]) / std::max(1.0, std::abs(expected[i])));
  if (!(worst < 1e-9)) {
    std::printf("MISMATCH %s: %s and hand-written results differ by %g\n", id, who, worst);
    ++mismatches;
  }
}

// f(true) and h write the same n outputs (value and gradient) to result: check they agree,
// then time f(false) and h, interleaved, and print the medians and their ratio.
template <class F, class H>
void compare(const char* id, F&& f, H&& h, int calls_per_round, const double* result, std::size_t n) {
  constexpr int rounds = 31;
  h();
  const std::vector<double> expected(result, result + n);
  const std::size_t before = test::allocations;
  check(id, "ctgrad", [&] { f(true); }, expected, result, n);
  const std::size_t allocs = test::allocations - before;
  const auto t = bench::interleaved([&] { f(false); }, h, calls_per_round, rounds);
  const double mf = t.first.median, mh = t.second.median;
  std::printf("%-12s ctgrad %9.2f ns  hand %9.2f ns  (ctgrad spread %.2f-%.2f)  allocs/grad %zu\n", id, mf, mh,
              t.first.q1, t.first.q3, allocs);
  std::printf("ratio %s ctgrad/hand %.2f\n", id, mf / mh);
}

// As compare, with a third implementation e (Eigen arrays) checked and timed beside them.
template <class F, class H, class E>
void compare_eigen(const char* id, F&& f, H&& h, [[maybe_unused]] E&& e, int calls_per_round, const double* result,
                   std::size_t n) {
#ifdef CTGRAD_BENCH_EIGEN
  constexpr int rounds = 31;
  h();
  const std::vector<double> expected(result, result + n);
  const std::size_t before = test::allocations;
  check(id, "ctgrad", [&] { f(true); }, expected, result, n);
  const std::size_t allocs = test::allocations - before;
  check(id, "eigen", e, expected, result, n);
  const auto t = bench::interleaved_all(calls_per_round, rounds, [&] { f(false); }, h, e);
  std::printf("%-12s ctgrad %9.2f ns  hand %9.2f ns  eigen %9.2f ns  (ctgrad spread %.2f-%.2f)  allocs/grad %zu\n", id,
              t[0].median, t[1].median, t[2].median, t[0].q1, t[0].q3, allocs);
  std::printf("ratio %s ctgrad/hand %.2f\n", id, t[0].median / t[1].median);
  std::printf("ratio %s ctgrad/eigen %.2f\n", id, t[0].median / t[2].median);
#else
  compare(id, f, h, calls_per_round, result, n);
  std::printf("(%s: no Eigen in this build, no ctgrad/eigen ratio)\n", id);
#endif
}

#ifdef CTGRAD_BENCH_EIGEN
template <std::size_t N>
using eigen_in = Eigen::Map<const Eigen::Array<double, N, 1>>;
template <std::size_t N>
using eigen_out = Eigen::Map<Eigen::Array<double, N, 1>>;
#define CTGRAD_EIGEN(...) __VA_ARGS__
#else
#define CTGRAD_EIGEN(...) [] {}
#endif

template <class Tensor, class Dist>
void fill(Tensor& t, std::mt19937_64& rng, Dist dist) {
  for (auto& e : t) e = static_cast<typename Tensor::value_type>(dist(rng));
}

// Copies a gradient view to out and returns the end. An index loop, not std::copy: under
// ASan, GCC 12 misreads the memmove std::copy becomes and warns about bounds (-Werror).
template <class View>
double* append(const View& v, double* out) {
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = static_cast<double>(v.begin()[i]);
  return out + v.size();
}

// One ctgrad value and gradient of e for the vector leaf v at x, by the free grad(). Timed,
// the gradient stays where grad() wrote it, as a user reading g[v] leaves it (the hand code
// writes its gradient once, too); checked, it is copied to out[0..N), the value to out[N].
template <class E, class V, class X>
auto vector_gradient(const E& e, V v, const X& x, double* out) {
  return [&e, v, &x, out](bool check) {
    escape(x.data());
    const auto g = grad(e, at(v = x));
    if (check) {
      append(g[v], out);
      out[g[v].size()] = g.value();
    }
    escape(g[v].begin());
    escape(out);
  };
}

}  // namespace

int main() {
  std::mt19937_64 rng(42);
  double in[1000]{}, out[1001]{};  // one extra: W2log keeps its sum at out[N]

  {  // W1a
    constexpr auto a = var<"a">;
    constexpr auto b = var<"b">;
    constexpr auto x = a * b;
    constexpr auto z = x + x;
    in[0] = 1.3, in[1] = -0.7;
    compare(
        "W1a", [&](bool) {
          escape(in);
          const auto g = grad(z, at(a = in[0], b = in[1]));
          out[0] = g[a], out[1] = g[b], out[2] = g.value();
          escape(out);
        },
        [&] {
          escape(in);
          out[0] = 2 * in[1], out[1] = 2 * in[0], out[2] = 2 * in[0] * in[1];
          escape(out);
        },
        10000, out, 3);
  }
  {  // W1b
    constexpr auto x = var<"x">;
    constexpr auto y = var<"y">;
    constexpr auto z = var<"z">;
    constexpr auto f = x * y * z + sin(x) * exp(y) + log(z) / x + pow(x, 3);
    in[0] = 0.7, in[1] = 1.1, in[2] = 1.9;
    compare(
        "W1b", [&](bool) {
          escape(in);
          const auto g = grad(f, at(x = in[0], y = in[1], z = in[2]));
          out[0] = g[x], out[1] = g[y], out[2] = g[z], out[3] = g.value();
          escape(out);
        },
        [&] {
          escape(in);
          const double X = in[0], Y = in[1], Z = in[2], ey = std::exp(Y), lz = std::log(Z);
          out[0] = Y * Z + std::cos(X) * ey - lz / (X * X) + 3 * X * X;
          out[1] = X * Z + std::sin(X) * ey;
          out[2] = X * Y + 1 / (Z * X);
          out[3] = X * Y * Z + std::sin(X) * ey + lz / X + X * X * X;
          escape(out);
        },
        10000, out, 4);
  }
  auto w2 = [&]<std::size_t N>(std::integral_constant<std::size_t, N>, const char* id_sq, const char* id_log) {
    constexpr auto v = var<"v", double, N>;
    constexpr auto sq = sum(square(v));
    constexpr auto lg = sum(log(v));
    tensor<double, N> x;
    fill(x, rng, std::uniform_real_distribution<double>(-1, 1));
    const int reps = N > 100 ? 200 : 5000;
    // the Eigen reference only at N = 1000, where vectorisation can matter
    auto run = [&](const char* id, const auto& e, auto& hand, auto& eigen) {
      if constexpr (N > 100)
        compare_eigen(id, vector_gradient(e, v, x, out), hand, eigen, reps, out, N + 1);
      else
        compare(id, vector_gradient(e, v, x, out), hand, reps, out, N + 1);
    };
    auto hand_sq = [&] {
      escape(x.data());
      double s = 0;
      for (std::size_t i = 0; i < N; ++i) s += x[i] * x[i], out[i] = 2 * x[i];
      out[N] = s;
      escape(out);
    };
    auto eigen_sq = CTGRAD_EIGEN([&] {
      escape(x.data());
      const eigen_in<N> xv(x.data());
      eigen_out<N> o(out);
      o = 2 * xv;
      out[N] = xv.square().sum();
      escape(out);
    });
    run(id_sq, sq, hand_sq, eigen_sq);
    fill(x, rng, std::uniform_real_distribution<double>(0.5, 2));
    auto hand_log = [&] {
      escape(x.data());
      double s = 0;
      for (std::size_t i = 0; i < N; ++i) s += std::log(x[i]), out[i] = 1 / x[i];
      out[N] = s;
      escape(out);
    };
    auto eigen_log = CTGRAD_EIGEN([&] {
      escape(x.data());
      const eigen_in<N> xv(x.data());
      eigen_out<N> o(out);
      o = xv.inverse();
      out[N] = xv.log().sum();
      escape(out);
    });
    run(id_log, lg, hand_log, eigen_log);
  };
  w2(std::integral_constant<std::size_t, 10>{}, "W2sq10", "W2log10");
  w2(std::integral_constant<std::size_t, 1000>{}, "W2sq1000", "W2log1000");

  {  // W3: log-sum-exp
    constexpr auto v = var<"v", double, 1000>;
    constexpr auto lse = log(sum(exp(v)));
    tensor<double, 1000> x;
    fill(x, rng, std::uniform_real_distribution<double>(-1, 1));
    compare_eigen(
        "W3", vector_gradient(lse, v, x, out),
        [&] {
          escape(x.data());
          double s = 0;
          for (int i = 0; i < 1000; ++i) out[i] = std::exp(x[i]), s += out[i];
          for (int i = 0; i < 1000; ++i) out[i] /= s;
          out[1000] = std::log(s);
          escape(out);
        },
        CTGRAD_EIGEN([&] {
          escape(x.data());
          eigen_out<1000> o(out);
          o = eigen_in<1000>(x.data()).exp();
          const double s = o.sum();
          o /= s;
          out[1000] = std::log(s);
          escape(out);
        }),
        200, out, 1001);
  }
  {  // W4: normal log-likelihood, gradient w.r.t. (mu, sigma)
    constexpr auto y = input<"y", double, 1000>;
    constexpr auto mu = var<"mu">;
    constexpr auto sigma = var<"sigma">;
    const double half_log_2pi = 0.5 * std::log(2 * M_PI);
    const auto ll = sum(-0.5 * square((y - mu) / sigma)) - 1000.0 * (log(sigma) + half_log_2pi);
    tensor<double, 1000> data;
    fill(data, rng, std::normal_distribution<double>(0.3, 1.2));
    in[0] = 0.2, in[1] = 1.3;
    compare_eigen(
        "W4", [&](bool) {
          escape(in);
          const auto g = grad(ll, at(y = data, mu = in[0], sigma = in[1]));
          out[0] = g[mu], out[1] = g[sigma], out[2] = g.value();
          escape(out);
        },
        [&] {
          escape(in);
          const double m = in[0], s = in[1], inv = 1 / s;
          double s1 = 0, s2 = 0;
          for (int i = 0; i < 1000; ++i) {
            const double z = (data[i] - m) * inv;
            s1 += z, s2 += z * z;
          }
          out[0] = s1 * inv, out[1] = s2 * inv - 1000 * inv;
          out[2] = -0.5 * s2 - 1000 * (std::log(s) + half_log_2pi);
          escape(out);
        },
        CTGRAD_EIGEN([&] {
          escape(in);
          const double m = in[0], s = in[1], inv = 1 / s;
          const auto z = (eigen_in<1000>(data.data()) - m) * inv;
          const double s1 = z.sum(), s2 = z.square().sum();
          out[0] = s1 * inv, out[1] = s2 * inv - 1000 * inv;
          out[2] = -0.5 * s2 - 1000 * (std::log(s) + half_log_2pi);
          escape(out);
        }),
        200, out, 3);
  }
  {  // W5: MLP 2-16-16-1, tanh hidden, loss (o - t)^2, gradient for all 337 parameters
    using namespace w5;
    std::uniform_real_distribution<double> u(-0.5, 0.5);
    tensor<double, 16, 2> w1;
    tensor<double, 16> c1, c2;
    tensor<double, 16, 16> w2;
    tensor<double, 1, 16> w3;
    tensor<double, 1> c3;
    fill(w1, rng, u), fill(c1, rng, u), fill(w2, rng, u), fill(c2, rng, u), fill(w3, rng, u), fill(c3, rng, u);
    tensor<double, 2> xv{0.3, -0.8};
    double target = 0.5;
    double gout[338];  // 337 gradients, then the value
    compare(
        "W5", [&](bool) {
          escape(xv.data());
          const auto g = grad(loss, at(x = xv, t = target, W1 = w1, b1 = c1, W2 = w2, b2 = c2, W3 = w3, b3 = c3));
          double* o = gout;
          o = append(g[W1], o);
          o = append(g[b1], o);
          o = append(g[W2], o);
          o = append(g[b2], o);
          o = append(g[W3], o);
          o = append(g[b3], o);
          *o = g.value();
          escape(gout);
        },
        [&] {
          escape(xv.data());
          double a1[16], a2[16], d2[16], d1[16];
          for (int i = 0; i < 16; ++i) {
            const double h1i = w1(i, 0) * xv[0] + w1(i, 1) * xv[1] + c1[i];
            a1[i] = std::tanh(h1i);
          }
          for (int i = 0; i < 16; ++i) {
            double s = c2[i];
            for (int j = 0; j < 16; ++j) s += w2(i, j) * a1[j];
            a2[i] = std::tanh(s);
          }
          double o = c3[0];
          for (int j = 0; j < 16; ++j) o += w3(0, j) * a2[j];
          const double dout = 2 * (o - target);
          gout[337] = (o - target) * (o - target);
          double* g = gout;
          // W1 b1 W2 b2 W3 b3, then the loss
          for (int j = 0; j < 16; ++j) d2[j] = dout * w3(0, j) * (1 - a2[j] * a2[j]);
          for (int j = 0; j < 16; ++j) {
            double s = 0;
            for (int i = 0; i < 16; ++i) s += d2[i] * w2(i, j);
            d1[j] = s * (1 - a1[j] * a1[j]);
          }
          for (int i = 0; i < 16; ++i) *g++ = d1[i] * xv[0], *g++ = d1[i] * xv[1];
          for (int i = 0; i < 16; ++i) *g++ = d1[i];
          for (int i = 0; i < 16; ++i)
            for (int j = 0; j < 16; ++j) *g++ = d2[i] * a1[j];
          for (int i = 0; i < 16; ++i) *g++ = d2[i];
          for (int j = 0; j < 16; ++j) *g++ = dout * a2[j];
          *g++ = dout;
          escape(gout);
        },
        2000, gout, 338);
  }
  {  // W6: softmax cross-entropy written as nll_loss(log_softmax(Z)), Z [64, 10], gradient w.r.t. Z
    constexpr auto Z = var<"Z", double, 64, 10>;
    constexpr auto labels = input<"labels", int, 64>;
    constexpr auto loss = nn::nll_loss(log_softmax(Z), labels);
    tensor<double, 64, 10> z;
    tensor<int, 64> l;
    fill(z, rng, std::normal_distribution<double>(0, 3));
    for (std::size_t b = 0; b < 64; ++b) l[b] = static_cast<int>(rng() % 10);
    std::vector<double> res(641);
    compare(
        "W6", [&](bool) {
          escape(z.data());
          const auto g = grad(loss, at(Z = z, labels = l));
          append(g[Z], res.data());
          res[640] = g.value();
          escape(res.data());
        },
        [&] {
          escape(z.data());
          double total = 0;
          for (std::size_t b = 0; b < 64; ++b) {
            const double* row = z.data() + b * 10;
            double* d = res.data() + b * 10;
            double m = row[0];
            for (int c = 1; c < 10; ++c) m = std::max(m, row[c]);
            double s = 0;
            for (int c = 0; c < 10; ++c) s += (d[c] = std::exp(row[c] - m));
            const double inv = 1 / (s * 64);
            for (int c = 0; c < 10; ++c) d[c] *= inv;
            d[l[b]] -= 1.0 / 64;
            total += m + std::log(s) - row[l[b]];
          }
          res[640] = total / 64;
          escape(res.data());
        },
        2000, res.data(), 641);
  }
  {  // W7: sum of logsumexp<1> of Z [64, 1000] (one log-sum-exp per row), gradient w.r.t. Z
    constexpr auto Z = var<"Z", double, 64, 1000>;
    constexpr auto f = sum(logsumexp<1>(Z));
    auto z = std::make_unique<tensor<double, 64, 1000>>();
    fill(*z, rng, std::uniform_real_distribution<double>(-1, 1));
    auto ws = std::make_unique<workspace<std::remove_cvref_t<decltype(f)>>>();
    std::vector<double> res(64001);
    compare(
        "W7", [&](bool) {
          escape(z->data());
          const auto g = ws->grad(f, at(Z = *z));
          append(g[Z], res.data());
          res[64000] = g.value();
          escape(res.data());
        },
        [&] {
          escape(z->data());
          double total = 0;
          for (std::size_t b = 0; b < 64; ++b) {
            const double* row = z->data() + b * 1000;
            double* d = res.data() + b * 1000;
            double m = row[0];
            for (int c = 1; c < 1000; ++c) m = std::max(m, row[c]);
            double s = 0;
            for (int c = 0; c < 1000; ++c) s += (d[c] = std::exp(row[c] - m));
            const double inv = 1 / s;
            for (int c = 0; c < 1000; ++c) d[c] *= inv;
            total += m + std::log(s);
          }
          res[64000] = total;
          escape(res.data());
        },
        5, res.data(), 64001);
  }
  return mismatches == 0 ? 0 : 1;
}

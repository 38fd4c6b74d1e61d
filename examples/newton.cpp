// Newton's method on the N-dimensional Rosenbrock function
//
//   f(x) = sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2,   minimum 0 at x = (1, ..., 1)
//
// with the gradient and Hessian from one call, hessian(f, wrt(x), at(x = ...)). Each step
// solves (H + mu I) d = -g by Cholesky (mu = 0 unless H is not positive definite) and halves
// d until f decreases. It runs for N = 10 here, and for N = 4 inside the compiler.
#include <ctgrad/ctgrad.hpp>

#include <cstdio>

using namespace ctgrad;

template <std::size_t N>
struct rosenbrock {
  static constexpr auto x = var<"x", double, N>;
  static constexpr auto head = slice<0, 0, N - 1>(x);  // x[0 .. N-2]
  static constexpr auto tail = slice<0, 1, N>(x);      // x[1 .. N-1]
  static constexpr auto f = sum(100.0 * square(tail - square(head)) + square(1.0 - head));

  struct result {
    tensor<double, N> x;
    double f;
    int steps;
  };

  // Cholesky of A + mu I into L (lower); false if it is not positive definite
  static constexpr bool cholesky(const tensor<double, N, N>& a, double mu, tensor<double, N, N>& l) {
    l = {};
    for (std::size_t j = 0; j < N; ++j) {
      double d = a(j, j) + mu;
      for (std::size_t k = 0; k < j; ++k) d -= l(j, k) * l(j, k);
      if (!(d > 0)) return false;
      l(j, j) = math::sqrt(d);
      for (std::size_t i = j + 1; i < N; ++i) {
        double s = a(i, j);
        for (std::size_t k = 0; k < j; ++k) s -= l(i, k) * l(j, k);
        l(i, j) = s / l(j, j);
      }
    }
    return true;
  }

  // the Newton step: L L^T d = -g
  static constexpr tensor<double, N> step(const tensor<double, N, N>& l, const tensor<double, N>& g) {
    tensor<double, N> y, d;
    for (std::size_t i = 0; i < N; ++i) {
      double s = -g(i);
      for (std::size_t k = 0; k < i; ++k) s -= l(i, k) * y(k);
      y(i) = s / l(i, i);
    }
    for (std::size_t i = N; i-- > 0;) {
      double s = y(i);
      for (std::size_t k = i + 1; k < N; ++k) s -= l(k, i) * d(k);
      d(i) = s / l(i, i);
    }
    return d;
  }

  static constexpr result minimize(tensor<double, N> at_x) {
    int steps = 0;
    for (; steps < 100; ++steps) {
      const auto H = hessian(f, wrt(x), at(x = at_x));
      const auto& g = H.gradient_vector();
      double gg = 0;
      for (std::size_t i = 0; i < N; ++i) gg += g(i) * g(i);
      if (gg < 1e-24) break;
      tensor<double, N, N> l;
      double mu = 0;
      while (!cholesky(H.matrix(), mu, l)) mu = mu == 0 ? 1e-3 : 10 * mu;
      const auto d = step(l, g);
      double t = 1;
      tensor<double, N> next;
      for (int halvings = 0; halvings < 60; ++halvings, t *= 0.5) {
        for (std::size_t i = 0; i < N; ++i) next(i) = at_x(i) + t * d(i);
        if (value(f, at(x = next)) < H.value()) break;
      }
      at_x = next;
    }
    return {at_x, value(f, at(x = at_x)), steps};
  }

  // from the origin (the classic (-1.2, 1, -1.2, ...) leads to the other local minimum,
  // near (-1, 1, ..., 1), for N >= 4)
  static constexpr tensor<double, N> start() { return {}; }
  static constexpr bool at_minimum(const result& r) {
    for (std::size_t i = 0; i < N; ++i)
      if (math::abs(r.x(i) - 1.0) > 1e-10) return false;
    return r.steps < 100;
  }
};

// inside the compiler: the 4-dimensional problem, Hessians and all
constexpr auto compile_time = rosenbrock<4>::minimize(rosenbrock<4>::start());
static_assert(rosenbrock<4>::at_minimum(compile_time), "Newton's method in the compiler did not reach (1, 1, 1, 1)");

int main() {
  using problem = rosenbrock<10>;
  const auto r = problem::minimize(problem::start());
  std::printf("N = 10: f = %.3e after %d Newton steps; x =", r.f, r.steps);
  for (std::size_t i = 0; i < 10; ++i) std::printf(" %.12f", r.x(i));
  std::printf("\nN = 4 in the compiler: f = %.3e after %d steps\n", compile_time.f, compile_time.steps);
  return problem::at_minimum(r) ? 0 : 1;
}

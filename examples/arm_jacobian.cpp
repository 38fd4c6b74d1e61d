// Inverse kinematics of a planar arm with six joints by damped least squares. The hand's
// pose (x, y and heading phi) is, with a_k = theta_0 + ... + theta_k,
//
//   x = sum_k l_k cos a_k,   y = sum_k l_k sin a_k,   phi = a_5
//
// written as it reads (slice and stack), and each step moves the joints by
//
//   d theta = J^T (J J^T + lambda^2 I)^-1 (target - pose),   J = jacobian(pose, wrt(theta), ...)
//
// the step that stays well-behaved near singular poses. Six inputs and three outputs: the
// library takes forward passes, six lanes at once. The compiler solves it too.
#include <ctgrad/ctgrad.hpp>

#include <cstdio>

using namespace ctgrad;

namespace arm {

constexpr auto theta = var<"theta", double, 6>;
constexpr tensor<double, 6> lengths{0.5, 0.45, 0.4, 0.3, 0.25, 0.2};

// a_0 .. a_5: the heading of each link
constexpr auto headings = stack(sum(slice<0, 0, 1>(theta)), sum(slice<0, 0, 2>(theta)), sum(slice<0, 0, 3>(theta)),
                                sum(slice<0, 0, 4>(theta)), sum(slice<0, 0, 5>(theta)), sum(theta));
constexpr auto pose = stack(sum(hadamard(constant_of(lengths), cos(headings))),
                            sum(hadamard(constant_of(lengths), sin(headings))), sum(theta));

struct result {
  tensor<double, 6> theta;
  double error;  // |target - pose|
  int steps;
};

// (J J^T + lambda^2 I) s = e for the 3 x 3 system, by Gaussian elimination with pivoting
constexpr tensor<double, 3> solve3(tensor<double, 3, 3> a, tensor<double, 3> e) {
  for (std::size_t c = 0; c < 3; ++c) {
    std::size_t p = c;
    for (std::size_t r = c + 1; r < 3; ++r)
      if (math::abs(a(r, c)) > math::abs(a(p, c))) p = r;
    for (std::size_t k = 0; k < 3; ++k) {
      const double t = a(c, k);
      a(c, k) = a(p, k);
      a(p, k) = t;
    }
    const double t = e(c);
    e(c) = e(p);
    e(p) = t;
    for (std::size_t r = c + 1; r < 3; ++r) {
      const double m = a(r, c) / a(c, c);
      for (std::size_t k = c; k < 3; ++k) a(r, k) -= m * a(c, k);
      e(r) -= m * e(c);
    }
  }
  tensor<double, 3> s;
  for (std::size_t r = 3; r-- > 0;) {
    double v = e(r);
    for (std::size_t k = r + 1; k < 3; ++k) v -= a(r, k) * s(k);
    s(r) = v / a(r, r);
  }
  return s;
}

constexpr result reach(const tensor<double, 3>& target, double lambda) {
  tensor<double, 6> q{0.3, 0.3, 0.3, 0.3, 0.3, 0.3};
  double error = 0;
  int step = 0;
  for (; step < 200; ++step) {
    const auto J = jacobian(pose, wrt(theta), at(theta = q));
    const auto p = value(pose, at(theta = q));
    tensor<double, 3> e;
    error = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      e(i) = target(i) - p(i);
      error += e(i) * e(i);
    }
    error = math::sqrt(error);
    if (error < 1e-12) break;
    const auto& j = J[theta];  // [3, 6]
    tensor<double, 3, 3> jjt;
    for (std::size_t r = 0; r < 3; ++r)
      for (std::size_t c = 0; c < 3; ++c) {
        double s = r == c ? lambda * lambda : 0.0;
        for (std::size_t k = 0; k < 6; ++k) s += j(r, k) * j(c, k);
        jjt(r, c) = s;
      }
    const auto s = solve3(jjt, e);
    for (std::size_t k = 0; k < 6; ++k) q(k) += j(0, k) * s(0) + j(1, k) * s(1) + j(2, k) * s(2);
  }
  return {q, error, step};
}

}  // namespace arm

constexpr tensor<double, 3> target{0.9, 1.1, 2.0};  // x, y, heading (radians)
constexpr auto compile_time = arm::reach(target, 0.05);
static_assert(compile_time.error < 1e-12 && compile_time.steps < 200, "the compiler's solve did not reach the target");

int main() {
  const auto r = arm::reach(target, 0.05);
  const auto p = value(arm::pose, at(arm::theta = r.theta));
  std::printf("target (%.2f, %.2f, heading %.2f) reached to %.1e after %d steps\n", target(0), target(1), target(2),
              r.error, r.steps);
  std::printf("joints:");
  for (std::size_t k = 0; k < 6; ++k) std::printf(" %.6f", r.theta(k));
  std::printf("\nhand at (%.12f, %.12f, heading %.12f); the compiler's solve took %d steps\n", p(0), p(1), p(2),
              compile_time.steps);
  return r.error < 1e-12 && r.steps < 200 ? 0 : 1;
}

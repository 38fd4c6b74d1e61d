// Inverse kinematics of a two-link arm: find joint angles (t1, t2) that put the hand at a
// target. The hand is at
//
//   p = (l1 cos t1 + l2 cos(t1 + t2),  l1 sin t1 + l2 sin(t1 + t2))
//
// written as it reads, with stack; its Jacobian comes from one gradient per coordinate
// (index<0>(p), index<1>(p)), and damped least squares (Levenberg-Marquardt) steps
// dt = J^T (J J^T + lambda I)^-1 (target - p) move the hand there. The compiler solves the
// same problem and a static_assert checks that the hand reached the target.
#include <ctgrad/ctgrad.hpp>

#include <cmath>
#include <cstdio>

using namespace ctgrad;

namespace arm {

constexpr double l1 = 1.0, l2 = 0.7;
constexpr auto t1 = var<"t1">;
constexpr auto t2 = var<"t2">;
constexpr auto p = stack(l1 * cos(t1) + l2 * cos(t1 + t2), l1 * sin(t1) + l2 * sin(t1 + t2));

struct result {
  double t1, t2, error;
  int steps;
};

// damped least squares from (0.3, 0.3) until the hand is within 1e-12 of the target
constexpr result solve(double x, double y) {
  double a = 0.3, b = 0.3;
  constexpr double lambda = 1e-3;
  for (int step = 0; step < 100; ++step) {
    const auto here = at(t1 = a, t2 = b);
    const auto pos = value(p, here);
    const double ex = x - pos[0], ey = y - pos[1];
    const double error = math::sqrt(ex * ex + ey * ey);
    if (error < 1e-12) return {a, b, error, step};
    const auto gx = grad(index<0>(p), here);
    const auto gy = grad(index<1>(p), here);
    const double J[2][2] = {{gx[t1], gx[t2]}, {gy[t1], gy[t2]}};
    // (J J^T + lambda I) u = e, then dt = J^T u
    const double m00 = J[0][0] * J[0][0] + J[0][1] * J[0][1] + lambda, m01 = J[0][0] * J[1][0] + J[0][1] * J[1][1];
    const double m11 = J[1][0] * J[1][0] + J[1][1] * J[1][1] + lambda;
    const double det = m00 * m11 - m01 * m01;
    const double u0 = (m11 * ex - m01 * ey) / det, u1 = (m00 * ey - m01 * ex) / det;
    a += J[0][0] * u0 + J[1][0] * u1;
    b += J[0][1] * u0 + J[1][1] * u1;
  }
  const auto pos = value(p, at(t1 = a, t2 = b));
  return {a, b, math::sqrt((x - pos[0]) * (x - pos[0]) + (y - pos[1]) * (y - pos[1])), 100};
}

}  // namespace arm

constexpr double target_x = 1.2, target_y = 0.6;
constexpr arm::result at_compile_time = arm::solve(target_x, target_y);
static_assert(at_compile_time.error < 1e-12, "the compiler's solve did not reach the target");
static_assert(at_compile_time.steps < 20);

int main() {
  const arm::result r = arm::solve(target_x, target_y);
  const auto hand = value(arm::p, at(arm::t1 = r.t1, arm::t2 = r.t2));
  std::printf("target (%.3f, %.3f): t1 = %.6f, t2 = %.6f after %d steps; hand at (%.12f, %.12f)\n", target_x, target_y, r.t1,
              r.t2, r.steps, hand[0], hand[1]);
  std::printf("at compile time:    t1 = %.6f, t2 = %.6f after %d steps\n", at_compile_time.t1, at_compile_time.t2,
              at_compile_time.steps);
  // the same solution (math at run time is <cmath>'s, in the compiler ctgrad's own)
  const bool same = std::abs(r.t1 - at_compile_time.t1) < 1e-9 && std::abs(r.t2 - at_compile_time.t2) < 1e-9;
  return r.error < 1e-12 && std::abs(hand[0] - target_x) < 1e-12 && same ? 0 : 1;
}

// Inverse kinematics of a two-link arm: find joint angles (t1, t2) that put the hand at a
// target. The hand is at
//
//   p = (l1 cos t1 + l2 cos(t1 + t2),  l1 sin t1 + l2 sin(t1 + t2))
//
// written as it reads, with stack, and gradient descent on 1/2 |p - target|^2 moves the hand
// there. The answer is checked against the closed-form angles, and the compiler solves the
// same problem: a static_assert checks that it reached them too.
#include <ctgrad/ctgrad.hpp>

#include <cmath>
#include <cstdio>

using namespace ctgrad;

namespace arm {

constexpr double l1 = 1.0, l2 = 0.7;
constexpr auto t1 = var<"t1">;
constexpr auto t2 = var<"t2">;
constexpr auto target = input<"target", double, 2>;
constexpr auto p = stack(l1 * cos(t1) + l2 * cos(t1 + t2), l1 * sin(t1) + l2 * sin(t1 + t2));
constexpr auto loss = 0.5 * sum(square(p - target));

struct angles {
  double t1, t2;
  int steps;
};

// gradient descent from (0.3, 0.3) until the hand is within 1e-12 of (x, y)
constexpr angles solve(double x, double y) {
  double a = 0.3, b = 0.3;
  const tensor<double, 2> goal{x, y};
  int step = 0;
  for (; step < 1000; ++step) {
    const auto g = grad(loss, at(t1 = a, t2 = b, target = goal));
    if (g.value() < 0.5e-24) break;
    a -= 0.8 * g[t1];
    b -= 0.8 * g[t2];
  }
  return {a, b, step};
}

// the closed form, elbow bent the positive way: the law of cosines for t2, then t1
constexpr angles closed_form(double x, double y) {
  const double c2 = (x * x + y * y - l1 * l1 - l2 * l2) / (2 * l1 * l2);
  const double b = math::acos(c2);
  return {math::atan2(y, x) - math::atan2(l2 * math::sin(b), l1 + l2 * math::cos(b)), b, 0};
}

constexpr bool near(const angles& u, const angles& v) {
  return math::abs(u.t1 - v.t1) < 1e-9 && math::abs(u.t2 - v.t2) < 1e-9;
}

}  // namespace arm

constexpr double target_x = 1.2, target_y = 0.6;
constexpr arm::angles at_compile_time = arm::solve(target_x, target_y);
static_assert(arm::near(at_compile_time, arm::closed_form(target_x, target_y)), "the compiler's solve missed the angles");
static_assert(at_compile_time.steps < 1000, "the compiler's solve did not converge");

int main() {
  const arm::angles r = arm::solve(target_x, target_y);
  const arm::angles exact = arm::closed_form(target_x, target_y);
  const auto hand = value(arm::p, at(arm::t1 = r.t1, arm::t2 = r.t2));
  std::printf("target (%.3f, %.3f): t1 = %.9f, t2 = %.9f after %d steps; hand at (%.12f, %.12f)\n", target_x, target_y, r.t1,
              r.t2, r.steps, hand[0], hand[1]);
  std::printf("closed form:        t1 = %.9f, t2 = %.9f\n", exact.t1, exact.t2);
  std::printf("at compile time:    t1 = %.9f, t2 = %.9f after %d steps\n", at_compile_time.t1, at_compile_time.t2,
              at_compile_time.steps);
  return r.steps < 1000 && arm::near(r, exact) && std::abs(hand[0] - target_x) < 1e-11 && std::abs(hand[1] - target_y) < 1e-11
             ? 0
             : 1;
}

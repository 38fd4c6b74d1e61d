// The tutorial's first training: learn y = x0 + 2*x1 + 4*x2 from three samples with one
// Linear(3, 1) layer, squared loss, and per-sample SGD (lr 0.03, 3 epochs).
//
// The compiler runs the same training (tutorial_regression.hpp) and the static_asserts
// below check, at compile time, that it converges.
#include <cstdio>

#include "tutorial_regression.hpp"

constexpr int epochs = 3;
constexpr std::uint64_t seed = 2026;
using Net = ctgrad::nn::Linear<3, 1, double>;

// the whole training, run by the compiler
constexpr auto at_compile_time = tutorial::train<Net, epochs>(seed, 0.03);
static_assert(at_compile_time.loss[epochs - 1] < at_compile_time.loss[0] / 100, "the loss did not fall");
static_assert(at_compile_time.loss[epochs - 1] < 1.0, "the training did not converge");

int main() {
  const auto r = tutorial::train<Net, epochs>(seed, 0.03);
  for (int epoch = 0; epoch < epochs; ++epoch) std::printf("epoch%d, loss %.4f\n", epoch + 1, r.loss[epoch]);
  std::printf("prediction for x = [1, 2, 3]: %.4f (target %.0f)\n", r.first_prediction, tutorial::target(tutorial::X[0]));
  std::printf("at compile time:              %.4f (final loss %.4f)\n", at_compile_time.first_prediction,
              at_compile_time.loss[epochs - 1]);
  return r.loss[epochs - 1] < r.loss[0] ? 0 : 1;
}

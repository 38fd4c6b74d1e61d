// The tutorial's second training: the same data through an MLP(3, [2, 1]) (ReLU hidden
// layer), squared loss, per-sample SGD with lr 0.001 for 10 epochs. As in
// linear_regression.cpp, the compiler runs the whole training too and checks the result.
#include <cstdio>

#include "tutorial_regression.hpp"

constexpr int epochs = 10;
constexpr std::uint64_t seed = 2026;
using Net = ctgrad::nn::basic_mlp<double, ctgrad::nn::ReLU, 3, 2, 1>;

constexpr auto at_compile_time = tutorial::train<Net, epochs>(seed, 0.001);
static_assert(at_compile_time.loss[epochs - 1] < at_compile_time.loss[0] / 50, "the loss did not fall");
static_assert(at_compile_time.loss[epochs - 1] < 10.0, "the training did not converge");

int main() {
  const auto r = tutorial::train<Net, epochs>(seed, 0.001);
  for (int epoch = 0; epoch < epochs; ++epoch) std::printf("epoch%d, loss %.4f\n", epoch + 1, r.loss[epoch]);
  std::printf("prediction for x = [1, 2, 3]: %.4f (target %.0f)\n", r.first_prediction, tutorial::target(tutorial::X[0]));
  std::printf("at compile time:              %.4f (final loss %.4f)\n", at_compile_time.first_prediction,
              at_compile_time.loss[epochs - 1]);
  return r.loss[epochs - 1] < r.loss[0] ? 0 : 1;
}

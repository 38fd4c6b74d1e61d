// The tutorial's second training: the same data through an MLP(3, [2, 1]) (ReLU hidden
// layer), squared loss, per-sample SGD with lr 0.001 for 10 epochs. As in
// linear_regression.cpp, the compiler runs the whole training too and checks the result.
#include <array>
#include <cstdio>

#include <ctgrad/ctgrad.hpp>

using namespace ctgrad;

namespace {

constexpr double X[3][3] = {{1, 2, 3}, {2, 3, 7}, {5, 3, 1}};
constexpr double target(const double (&x)[3]) { return x[0] + 2 * x[1] + 4 * x[2]; }

constexpr int epochs = 10;
constexpr auto x = input<"x", double, 3>;
constexpr auto y = input<"y", double, 1>;
using Net = nn::basic_mlp<double, nn::ReLU, 3, 2, 1>;

struct result {
  std::array<double, epochs> loss{};
  double first_prediction = 0;
};

constexpr result train(std::uint64_t seed) {
  Net net{seed, nn::init::uniform01};
  optim::SGD opt{0.001};
  const auto loss = nn::squared_loss(net(x), y);
  result r;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    for (const auto& sample : X) {
      const auto g = grad(loss, at(net, x = tensor<double, 3>{sample[0], sample[1], sample[2]},
                                   y = tensor<double, 1>{target(sample)}));
      r.loss[epoch] += g.value();
      opt.step(net, g);
    }
  }
  r.first_prediction = value(net(x), at(net, x = tensor<double, 3>{X[0][0], X[0][1], X[0][2]}))(0);
  return r;
}

constexpr std::uint64_t seed = 2026;

constexpr result at_compile_time = train(seed);
static_assert(at_compile_time.loss[epochs - 1] < at_compile_time.loss[0] / 50, "the loss did not fall");
static_assert(at_compile_time.loss[epochs - 1] < 10.0, "the training did not converge");

}  // namespace

int main() {
  const result r = train(seed);
  for (int epoch = 0; epoch < epochs; ++epoch) std::printf("epoch%d, loss %.4f\n", epoch + 1, r.loss[epoch]);
  std::printf("prediction for x = [1, 2, 3]: %.4f (target %.0f)\n", r.first_prediction, target(X[0]));
  std::printf("at compile time:              %.4f (final loss %.4f)\n", at_compile_time.first_prediction,
              at_compile_time.loss[epochs - 1]);
  return r.loss[epochs - 1] < r.loss[0] ? 0 : 1;
}

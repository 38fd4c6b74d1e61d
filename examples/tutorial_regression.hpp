// The tutorial's regression data and its per-sample SGD training loop, shared by
// linear_regression.cpp and mlp_regression.cpp. train() is a constexpr function: the
// examples run it, and the compiler runs it too.
#pragma once

#include <array>
#include <cstdint>

#include <ctgrad/ctgrad.hpp>

namespace tutorial {

using namespace ctgrad;

// three samples of y = x0 + 2*x1 + 4*x2
constexpr double X[3][3] = {{1, 2, 3}, {2, 3, 7}, {5, 3, 1}};
constexpr double target(const double (&x)[3]) { return x[0] + 2 * x[1] + 4 * x[2]; }

constexpr auto x = input<"x", double, 3>;
constexpr auto y = input<"y", double, 1>;

template <int Epochs>
struct result {
  std::array<double, Epochs> loss{};  // summed over the samples of each epoch
  double first_prediction = 0;        // for x = X[0], whose target is 17
};

// Epochs of per-sample SGD with the squared loss, from the tutorial's random.random() weights.
template <class Net, int Epochs>
constexpr result<Epochs> train(std::uint64_t seed, double lr) {
  Net net{seed, nn::init::uniform01};
  optim::SGD opt{lr};
  const auto loss = nn::squared_loss(net(x), y);
  result<Epochs> r;
  for (int epoch = 0; epoch < Epochs; ++epoch) {
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

}  // namespace tutorial

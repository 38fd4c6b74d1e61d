// Logistic regression: which of two overlapping clouds of points a point came from. A
// Linear(2, 1) layer gives a logit per point, [N, 1]; flatten makes it [N] to match the labels,
// and binary_cross_entropy_with_logits (stable at any logit) is the loss. Full-batch gradient
// descent, 40 steps. The compiler runs the same training and a static_assert checks that it
// separates the clouds.
#include <ctgrad/ctgrad.hpp>

#include <cstdio>

using namespace ctgrad;

namespace logistic {

constexpr std::size_t N = 32;
using Net = nn::Linear<2, 1, double>;
constexpr auto X = input<"X", double, N, 2>;
constexpr auto y = input<"y", double, N>;  // 1 for the cloud around (0.8, 0.8), 0 for (-0.8, -0.4)

struct data {
  tensor<double, N, 2> x{};
  tensor<double, N> y{};
};
constexpr data make_data(std::uint64_t seed) {
  random_engine rng(seed);
  data d;
  for (std::size_t i = 0; i < N; ++i) {
    const bool first = i % 2 == 0;
    d.y(i) = first ? 1.0 : 0.0;
    d.x(i, 0) = (first ? 0.8 : -0.8) + rng.uniform(-1.2, 1.2);
    d.x(i, 1) = (first ? 0.8 : -0.4) + rng.uniform(-1.2, 1.2);
  }
  return d;
}

struct result {
  double first_loss, last_loss, accuracy;
};

constexpr result train(std::uint64_t seed, double lr, int steps) {
  const data d = make_data(seed);
  Net net;  // from zero weights: every point at p = 1/2, the loss log 2
  optim::SGD opt{lr};
  const auto loss = nn::binary_cross_entropy_with_logits(flatten(Net::apply(X)), y);  // ([N, 1] -> [N])
  result r{};
  for (int step = 0; step < steps; ++step) {
    const auto g = grad(loss, at(net, X = d.x, y = d.y));
    (step == 0 ? r.first_loss : r.last_loss) = g.value();
    opt.step(net, g);
  }
  // a point is classed 1 where its logit is positive
  const auto mask = value(flatten(Net::apply(X)) > 0.0, at(net, X = d.x));
  std::size_t correct = 0;
  for (std::size_t i = 0; i < N; ++i) correct += mask(i) == d.y(i);
  r.accuracy = static_cast<double>(correct) / N;
  return r;
}

}  // namespace logistic

constexpr auto at_compile_time = logistic::train(7, 1.0, 40);
static_assert(at_compile_time.last_loss < at_compile_time.first_loss / 2, "the loss did not fall");
static_assert(math::abs(at_compile_time.first_loss - math::log(2.0)) < 1e-12, "from zero weights the loss is log 2");
static_assert(at_compile_time.accuracy >= 0.85, "the clouds were not separated");

int main() {
  const auto r = logistic::train(7, 1.0, 40);
  std::printf("loss %.4f -> %.4f after 40 steps, accuracy %.3f (at compile time: %.4f, %.3f)\n", r.first_loss, r.last_loss,
              r.accuracy, at_compile_time.last_loss, at_compile_time.accuracy);
  return r.last_loss < r.first_loss / 2 && r.accuracy >= 0.85 ? 0 : 1;
}

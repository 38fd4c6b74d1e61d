// expect: optimizer step: no gradient for parameter `fc0.W` [128,784]
#include <ctgrad/ctgrad.hpp>
#include <memory>
using namespace ctgrad;
int main() {
  nn::MLP<784, 128, 10> net;
  nn::Linear<784, 10> other;
  constexpr auto X = input<"X", float, 64, 784>;
  constexpr auto labels = input<"labels", int, 64>;
  auto loss = nn::cross_entropy(other(X), labels);
  optim::SGD opt{0.1};
  auto x = std::make_unique<tensor<float, 64, 784>>();
  tensor<int, 64> y{};
  opt.step(net, grad(loss, at(other, X = *x, labels = y)));
}

// expect: cross_entropy: labels must be integers (class indices), got float
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  nn::MLP<784, 128, 10> net;
  constexpr auto X = input<"X", float, 64, 784>;
  constexpr auto labels = input<"labels", float, 64>;
  auto loss = nn::cross_entropy(net(X), labels);
  (void)loss;
}

// expect: nn::Linear `fc0` takes [784] or [B,784], got [64,28]
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  nn::MLP<784, 128, 10> net;
  constexpr auto X = input<"X", float, 64, 28>;
  auto logits = net(X);
  (void)logits;
}

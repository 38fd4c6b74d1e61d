// expect: nn::mse: prediction [64,1] and target [64] differ
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  nn::Linear<3, 1> net;
  constexpr auto X = input<"X", float, 64, 3>;
  constexpr auto y = input<"y", float, 64>;
  auto loss = nn::mse(net(X), y);
  (void)loss;
}

// expect: conv2d: the input [8,3,28,28] has 3 channels, the weight [6,1,5,5] takes 1
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto x = input<"x", float, 8, 3, 28, 28>;
  constexpr auto w = var<"w", float, 6, 1, 5, 5>;
  auto e = conv2d<1, 2>(x, w);
  (void)e;
}

// expect: conv2d: needs an input [N, C, H, W], got [8,28,28]
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto x = input<"x", float, 8, 28, 28>;
  constexpr auto w = var<"w", float, 6, 1, 5, 5>;
  auto e = conv2d(x, w);
  (void)e;
}

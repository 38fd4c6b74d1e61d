// expect: conv2d: the kernel 5x5 spans 5x5 (dilation 1), more than the padded input 4x4 of [1,1,4,4] with padding 0
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto x = input<"x", double, 1, 1, 4, 4>;
  constexpr auto w = var<"w", double, 2, 1, 5, 5>;
  auto e = conv2d(x, w);
  (void)e;
}

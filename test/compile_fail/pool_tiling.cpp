// expect: max_pool2d: windows of 2 at stride 2 do not tile the input [4,6,7,7]
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto x = input<"x", float, 4, 6, 7, 7>;
  auto e = max_pool2d<2>(x);
  (void)e;
}

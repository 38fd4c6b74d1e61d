// expect: element types differ: float double
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto x = var<"x", float, 4>;
  constexpr auto y = var<"y", double, 4>;
  auto e = x + y;
  (void)e;
}

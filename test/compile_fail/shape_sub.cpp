// expect: operator-: shapes [64,10] and [64] do not broadcast
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto P = var<"P", float, 64, 10>;
  constexpr auto y = input<"y", float, 64>;
  auto e = P - y;
  (void)e;
}

// expect: where: shapes [3,4], [3,4] and [3] do not broadcast
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto A = var<"A", double, 3, 4>;
  constexpr auto b = var<"b", double, 3>;
  auto e = where(A > 0, A, b);
  (void)e;
}

// expect: elementwise product: shapes [3,4] and [4,3] do not broadcast
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto A = var<"A", double, 3, 4>;
  constexpr auto B = var<"B", double, 4, 3>;
  auto e = hadamard(A, B);
  (void)e;
}

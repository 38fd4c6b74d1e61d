// expect: concat: operands differ in more than axis 1: [3,4], [2,4]
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto A = var<"A", double, 3, 4>;
  constexpr auto B = var<"B", double, 2, 4>;
  auto e = concat<1>(A, B, A, B);
  (void)e;
}

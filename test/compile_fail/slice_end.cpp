// expect: slice: elements 2 to 5 (end excluded) are not a part of axis -1 of [3,4]
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto A = var<"A", double, 3, 4>;
  auto e = slice<-1, 2, 5>(A);
  (void)e;
}

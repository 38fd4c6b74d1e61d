// expect: reshape: [3,4] and [5,2] have different numbers of elements
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto A = var<"A", double, 3, 4>;
  auto e = reshape<5, 2>(A);
  (void)e;
}

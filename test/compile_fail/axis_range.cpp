// expect: softmax: axis 2 is not an axis of [3,4]
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto A = var<"A", double, 3, 4>;
  auto e = softmax<2>(A);
  (void)e;
}

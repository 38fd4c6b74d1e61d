// expect: a binding's value must be a ctgrad::tensor with the leaf's element type and shape
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto x = var<"x", double, 3>;
  auto r = jvp(sum(x), along(x = tensor<double, 2>{1, 2}), at(x = tensor<double, 3>{1, 2, 3}));
  (void)r;
}

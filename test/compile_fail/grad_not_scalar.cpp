// expect: grad: the expression has shape [3]
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto v = var<"v", double, 3>;
  auto g = grad(exp(v), at(v = tensor<double, 3>{1, 2, 3}));
  (void)g;
}

// expect: hessian: the expression has shape [3]; it must be a scalar
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto v = var<"v", double, 3>;
  auto H = hessian(exp(v), wrt(v), at(v = tensor<double, 3>{1, 2, 3}));
  (void)H;
}

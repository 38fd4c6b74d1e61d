// expect: grad(e, wrt(...)) needs the leaves' values: grad(e, wrt(...), at(x = ...))
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto x = var<"x">;
  auto g = grad(x * x, wrt(x));
  (void)g;
}

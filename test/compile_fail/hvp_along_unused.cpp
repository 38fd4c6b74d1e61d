// expect: hvp: along(...): leaf `q` [] (scalar) is not used by the expression
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto x = var<"x">;
  constexpr auto q = var<"q">;
  auto r = hvp(x * x * x, along(q = 1.0), at(x = 2.0));
  (void)r;
}

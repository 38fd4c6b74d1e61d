// expect: leaf `b` [] (scalar) has no value in at(...)
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto a = var<"a">;
  constexpr auto b = var<"b">;
  auto g = grad(a * b, at(a = 1.0));
  (void)g;
}

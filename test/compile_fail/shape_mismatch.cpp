// expect: operator+: shapes [2,3] and [3,2] do not broadcast
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto M = var<"M", double, 2, 3>;
  constexpr auto N = var<"N", double, 3, 2>;
  auto e = M + N;
  (void)e;
}

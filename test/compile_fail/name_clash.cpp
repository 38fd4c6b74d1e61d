// expect: the name `w` names two different leaves
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto w1 = var<"w", double, 2>;
  constexpr auto w2 = var<"w", double, 3>;
  auto v = value(sum(w1) + sum(w2), at(w1 = tensor<double, 2>{}, w2 = tensor<double, 3>{}));
  (void)v;
}

// expect: matmul: inner dimensions differ: [10,784] x [128]
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto W = var<"W", float, 10, 784>;
  constexpr auto x = var<"x", float, 128>;
  auto loss = sum(relu(W * x));  // the later operations add no errors of their own
  (void)loss;
}

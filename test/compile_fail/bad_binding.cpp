// expect: tensor<double, 2, 2>, ctgrad::tensor<float, 2, 2>
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
int main() {
  constexpr auto W = var<"W", float, 2, 2>;
  const tensor<double, 2, 2> w{};  // double values for a float leaf
  auto v = value(sum(W), at(W = w));
  (void)v;
}

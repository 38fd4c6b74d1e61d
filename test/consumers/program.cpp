// A program outside the tree that uses ctgrad the way a consumer does.
#include <ctgrad/ctgrad.hpp>
#include <cstdio>

using namespace ctgrad;

int main() {
  constexpr auto a = var<"a">;
  constexpr auto b = var<"b">;
  constexpr auto z = a * b + a * b;
  static_assert(grad(z, at(a = 2.0, b = 3.0))[a] == 6.0);
  nn::Linear<3, 1, double> net{1};
  constexpr auto x = input<"x", double, 3>;
  const double y = value(net(x), at(net, x = tensor<double, 3>{1, 2, 3}))(0);
  std::printf("consumer ok: %g\n", y);
  return 0;
}

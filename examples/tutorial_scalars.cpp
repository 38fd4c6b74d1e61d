// The tutorial's scalar examples, differentiated by the compiler.
//
// In the tutorial, a Tensor records its parents and backward() sorts the graph at run
// time. Here the expression's type is the graph: the values and gradients below are
// computed during compilation and checked with static_assert.
#include <cstdio>

#include <ctgrad/ctgrad.hpp>

using namespace ctgrad;

constexpr auto a = var<"a">;
constexpr auto b = var<"b">;

// z = x + x with x = a * b: x is one node used twice, and its gradient accumulates
constexpr auto x = a * b;
constexpr auto z = x + x;
constexpr auto g = grad(z, at(a = 2.0, b = 3.0));
static_assert(value(z, at(a = 2.0, b = 3.0)) == 12.0);
static_assert(g[a] == 6.0 && g[b] == 4.0);

// z = 2x + y with x = 3a + b: a.grad == 6 (through x only), b.grad == 2, y.grad == 1
constexpr auto y = var<"y">;
constexpr auto x2 = 3 * a + b;
constexpr auto z2 = 2 * x2 + y;
constexpr auto g2 = grad(z2, at(a = 1.0, b = 2.0, y = 4.0));
static_assert(value(z2, at(a = 1.0, b = 2.0, y = 4.0)) == 14.0);
static_assert(g2[a] == 6.0 && g2[b] == 2.0 && g2[y] == 1.0);

// beyond the tutorial: its wish list (division, powers, exponentials, plain numbers)
constexpr auto f = pow(a, 3) / b + exp(a - b) - 1.5;
constexpr auto gf = grad(f, at(a = 1.0, b = 1.0));
static_assert(gf[a] == 3.0 + 1.0);   // 3a^2/b + e^(a-b)
static_assert(gf[b] == -1.0 - 1.0);  // -a^3/b^2 - e^(a-b)

int main() {
  std::printf("z = x + x, x = a*b at a=2, b=3:  z = %g  dz/da = %g  dz/db = %g\n", value(z, at(a = 2.0, b = 3.0)),
              g[a], g[b]);
  std::printf("z = 2x + y, x = 3a + b at a=1, b=2, y=4:  z = %g  dz/da = %g  dz/db = %g  dz/dy = %g\n", g2.value(),
              g2[a], g2[b], g2[y]);
  std::printf("f = a^3/b + exp(a-b) - 1.5 at a=1, b=1:  df/da = %g  df/db = %g\n", gf[a], gf[b]);
  std::printf("all of the above were computed by the compiler (static_assert)\n");
}

// expect: cube: the elementwise function has no deriv(x, y)
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
struct cube {  // an elementwise function without its derivative
  static constexpr auto name = fixed_string("cube");
  template <class T> constexpr T value(T x) const { return x * x * x; }
};
int main() {
  constexpr auto x = var<"x", double, 3>;
  auto e = sum(elementwise<cube>(x));
  (void)e;
}

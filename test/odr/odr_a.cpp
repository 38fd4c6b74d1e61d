// Two translation units include the library and are linked together (no ODR clash).
#include <ctgrad/ctgrad.hpp>

double gradient_in_a(double x) {
  constexpr auto a = ctgrad::var<"a">;
  return ctgrad::grad(ctgrad::exp(a) * a, ctgrad::at(a = x))[a];
}

#include <cmath>
#include <cstdio>

#include <ctgrad/ctgrad.hpp>

double gradient_in_a(double x);

int main() {
  constexpr auto a = ctgrad::var<"a">;  // the same leaf type as in odr_a.cpp
  const double here = ctgrad::grad(ctgrad::exp(a) * a, ctgrad::at(a = 1.5))[a];
  const double there = gradient_in_a(1.5);
  const double exact = std::exp(1.5) * 2.5;
  std::printf("here %.17g there %.17g exact %.17g\n", here, there, exact);
  return (here == there && std::abs(here - exact) < 1e-12) ? 0 : 1;
}

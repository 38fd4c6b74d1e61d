// Test helper: an operation against PyTorch's values and gradients (test/reference/
// torch_reference.py, float64). f is applied to x [2, 3, 4] = torch_ref::ax_x; y is the
// value PyTorch gives, and dx the gradient of sum(w * f(x)).
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <ctgrad/ctgrad.hpp>

#include "reference/torch_values.hpp"

namespace test {

template <class Tensor, class V, std::size_t N>
Tensor tensor_of(const V (&values)[N]) {
  Tensor t{};
  REQUIRE(t.size() == N);
  for (std::size_t i = 0; i < N; ++i) t.flat(i) = values[i];
  return t;
}

template <class T, std::size_t N>
void check_close(const T& got, const double (&want)[N]) {
  if constexpr (requires { got.flat(0); }) {
    REQUIRE(got.size() == N);
    for (std::size_t i = 0; i < N; ++i) {
      CAPTURE(i);
      CHECK(got.flat(i) == doctest::Approx(want[i]).epsilon(1e-12).scale(1e-300));
    }
  } else {
    CHECK(got == doctest::Approx(want[0]).epsilon(1e-12).scale(1e-300));
  }
}

template <class F, std::size_t NY, std::size_t NX>
void check_against_torch(F f, const double (&y)[NY], const double (&w)[NY], const double (&dx)[NX]) {
  constexpr auto x = ctgrad::var<"x", double, 2, 3, 4>;
  const auto xv = tensor_of<ctgrad::tensor<double, 2, 3, 4>>(torch_ref::ax_x);
  using E = decltype(f(x));
  const auto wv = tensor_of<ctgrad::tensor_for<double, typename E::shape_type>>(w);
  const auto g = ctgrad::grad(ctgrad::sum(ctgrad::hadamard(f(x), ctgrad::constant_of(wv))), ctgrad::at(x = xv));
  check_close(ctgrad::value(f(x), ctgrad::at(x = xv)), y);
  check_close(g[x], dx);
}

}  // namespace test

// CTGRAD_AGAINST_TORCH(name, expression in x): one subcase
#define CTGRAD_AGAINST_TORCH(name, ...)                                                                    \
  SUBCASE(#name) {                                                                                         \
    test::check_against_torch([](const auto& x) { return __VA_ARGS__; }, torch_ref::ax_##name##_y,        \
                              torch_ref::ax_##name##_w, torch_ref::ax_##name##_dx);                        \
  }

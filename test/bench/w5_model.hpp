// Workload W5 of docs/benchmarks.md: MLP 2-16-16-1, tanh hidden, linear output, loss (o - t)^2.
// Shared by the run-time benchmark and the compile-time translation unit.
#pragma once

#include <ctgrad/ctgrad.hpp>

namespace w5 {
using namespace ctgrad;
constexpr auto x = input<"x", double, 2>;
constexpr auto t = input<"t", double>;
constexpr auto W1 = var<"W1", double, 16, 2>;
constexpr auto b1 = var<"b1", double, 16>;
constexpr auto W2 = var<"W2", double, 16, 16>;
constexpr auto b2 = var<"b2", double, 16>;
constexpr auto W3 = var<"W3", double, 1, 16>;
constexpr auto b3 = var<"b3", double, 1>;
constexpr auto loss = sum(square(W3 * tanh(W2 * tanh(W1 * x + b1) + b2) + b3 - t));
}  // namespace w5

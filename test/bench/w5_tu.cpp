// Workload W5 alone (MLP 2-16-16-1 gradient): the translation unit whose compile time and
// compiler memory BENCHMARKS.md tracks (target: under 2 s and 300 MiB with g++ -O2).
#include <ctgrad/ctgrad.hpp>
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
void gradient(const tensor<double, 2>& xv, double target, const tensor<double, 16, 2>& w1, const tensor<double, 16>& c1,
              const tensor<double, 16, 16>& w2, const tensor<double, 16>& c2, const tensor<double, 1, 16>& w3,
              const tensor<double, 1>& c3, double* out) {
  const auto g = grad(loss, at(x = xv, t = target, W1 = w1, b1 = c1, W2 = w2, b2 = c2, W3 = w3, b3 = c3));
  g.for_each([&](auto, const auto& gt) { for (auto v : gt) *out++ = v; });
}

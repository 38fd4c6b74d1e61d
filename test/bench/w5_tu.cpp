// Workload W5 alone: the translation unit whose compile time and compiler memory
// docs/benchmarks.md tracks (target: under 2 s and 300 MiB with g++ -O2).
#include "w5_model.hpp"

using namespace w5;

void gradient(const tensor<double, 2>& xv, double target, const tensor<double, 16, 2>& w1, const tensor<double, 16>& c1,
              const tensor<double, 16, 16>& w2, const tensor<double, 16>& c2, const tensor<double, 1, 16>& w3,
              const tensor<double, 1>& c3, double* out) {
  const auto g = grad(loss, at(x = xv, t = target, W1 = w1, b1 = c1, W2 = w2, b2 = c2, W3 = w3, b3 = c3));
  g.for_each([&](auto, const auto& gt) {
    for (auto v : gt) *out++ = v;
  });
  *out = g.value();
}

// Thread safety: an expression is an immutable value and a workspace is the only mutable
// state of an evaluation, so threads that share an expression (and its bound inputs, read
// only) but each own a workspace compute exactly what one thread computes. CI also runs
// this under ThreadSanitizer.
#include <doctest/doctest.h>

#include <ctgrad/ctgrad.hpp>
#include <memory>
#include <thread>
#include <vector>

using namespace ctgrad;

namespace {
using Net = nn::MLP<32, 16, 4>;
constexpr auto X = input<"X", float, 8, 32>;
constexpr auto labels = input<"labels", int, 8>;
const auto loss = nn::cross_entropy(Net::apply(X), labels);
using Workspace = workspace<std::remove_cvref_t<decltype(loss)>>;

// gradients of fc0.W after `steps` evaluations, for one input offset
std::vector<float> run(const Net& net, const tensor<float, 8, 32>& x, const tensor<int, 8>& y, int steps) {
  auto ws = std::make_unique<Workspace>();
  std::vector<float> out;
  for (int s = 0; s < steps; ++s) {
    const auto g = ws->grad(loss, at(net, X = x, labels = y));
    out.push_back(g.value());
    const auto& gw = g[Net::layer<0>::W];
    out.insert(out.end(), gw.begin(), gw.end());
  }
  return out;
}
}  // namespace

TEST_CASE("two threads with their own workspaces give the results of one") {
  const Net net{3};
  tensor<float, 8, 32> x;
  for (std::size_t i = 0; i < x.size(); ++i) x.flat(i) = static_cast<float>((i * 37) % 101) / 101.0f;
  const tensor<int, 8> y{0, 1, 2, 3, 3, 2, 1, 0};
  const auto alone = run(net, x, y, 20);

  std::vector<float> first, second;
  std::thread a([&] { first = run(net, x, y, 20); });
  std::thread b([&] { second = run(net, x, y, 20); });
  a.join();
  b.join();
  CHECK(first == alone);
  CHECK(second == alone);
}

// Test helper: an expression with a dynamic batch gives, bit for bit, what the same expression
// with that batch compiled in gives (values and every gradient), through grad and a workspace.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <ctgrad/ctgrad.hpp>
#include <random>
#include <vector>

namespace test {

using namespace ctgrad;

inline std::mt19937_64 dyn_rng{20261130};

template <class T>
T uniform(double lo = -1, double hi = 1) {
  return static_cast<T>(std::uniform_real_distribution<double>(lo, hi)(dyn_rng));
}

// Every gradient of g (in its for_each order), and its value, as doubles.
template <class G>
std::vector<double> flatten(const G& g) {
  std::vector<double> out{static_cast<double>(g.value())};
  g.for_each([&](auto, const auto& t) {
    for (std::size_t i = 0; i < t.size(); ++i) out.push_back(static_cast<double>(t.data()[i]));
  });
  return out;
}

// The same expression, make(X, Y, labels), with R rows compiled in and with dyn rows bound to
// R at run time, on the same data: values and gradients must be the same bits.
template <class T, std::size_t R, class Make, class Extra>
void same_as_static(Make make, const Extra& extra) {
  constexpr auto Xs = var<"X", T, R, 5>;
  constexpr auto Ys = input<"Y", T, R, 5>;
  constexpr auto Ls = input<"labels", int, R>;
  constexpr auto Xd = var<"X", T, dyn, 5>;
  constexpr auto Yd = input<"Y", T, dyn, 5>;
  constexpr auto Ld = input<"labels", int, dyn>;
  constexpr auto W = var<"W", T, 4, 5>;
  constexpr auto b = var<"b", T, 4>;
  constexpr auto v = var<"v", T, 5>;
  constexpr auto s = var<"s", T>;

  tensor<T, R, 5> xs, ys;
  tensor<T, dyn, 5> xd(R), yd(R);
  tensor<int, R> ls;
  tensor<int, dyn> ld(R);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    xd.flat(i) = xs.flat(i) = uniform<T>();
    yd.flat(i) = ys.flat(i) = uniform<T>(0.5, 1.5);
  }
  for (std::size_t r = 0; r < R; ++r) ld[r] = ls[r] = static_cast<int>(r * 7 % 4);
  tensor<T, 4, 5> wv;
  tensor<T, 4> bv;
  tensor<T, 5> vv;
  for (auto& x : wv) x = uniform<T>();
  for (auto& x : bv) x = uniform<T>();
  for (auto& x : vv) x = uniform<T>();
  const T sv = uniform<T>(0.5, 1.5);

  const auto es = make(Xs, Ys, Ls, W, b, v, s);
  const auto ed = make(Xd, Yd, Ld, W, b, v, s);
  const auto gs = grad(es, at(extra, Xs = xs, Ys = ys, Ls = ls, W = wv, b = bv, v = vv, s = sv));
  const auto gd = grad(ed, at(extra, Xd = xd, Yd = yd, Ld = ld, W = wv, b = bv, v = vv, s = sv));
  const auto fs = flatten(gs), fd = flatten(gd);
  INFO("rows " << R);
  REQUIRE(fs.size() == fd.size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < fs.size(); ++i) differ += !(fs[i] == fd[i] || (std::isnan(fs[i]) && std::isnan(fd[i])));
  CHECK(differ == 0);
  // and a workspace sized once serves every row count up to its capacity
  workspace<std::remove_cvref_t<decltype(ed)>> ws(64);
  CHECK(flatten(ws.grad(ed, at(extra, Xd = xd, Yd = yd, Ld = ld, W = wv, b = bv, v = vv, s = sv))) == fd);
}

// (extra: more bindings, a model's parameters say)
template <class T, class Make, class Extra = bindings<>>
void same_as_static_rows(Make make, const Extra& extra = {}) {
  same_as_static<T, 1>(make, extra);
  same_as_static<T, 7>(make, extra);  // a prime
  same_as_static<T, 64>(make, extra);
}


}  // namespace test

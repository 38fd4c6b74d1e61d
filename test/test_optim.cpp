// Optimizers: one step computed by hand, three steps against PyTorch, and misuse.
#include <doctest/doctest.h>

#include <cmath>
#include <ctgrad/ctgrad.hpp>
#include <stdexcept>

#include "reference/torch_values.hpp"

using namespace ctgrad;

namespace {

using Net = nn::Linear<3, 2, double>;
constexpr auto X = input<"X", double, 4, 3>;
constexpr auto Y = input<"Y", double, 4, 2>;

template <class Tensor, std::size_t N>
Tensor from_reference(const double (&values)[N]) {
  static_assert(Tensor::size() == N);
  Tensor t{};
  for (std::size_t i = 0; i < N; ++i) t.flat(i) = values[i];
  return t;
}

// The PyTorch problem: Linear(3, 2) on 4 samples, squared loss, three steps.
template <class Opt>
Net train_three_steps(Opt make) {
  Net net;
  net.params()[Net::W] = from_reference<tensor<double, 2, 3>>(torch_ref::lin_W);
  net.params()[Net::b] = from_reference<tensor<double, 2>>(torch_ref::lin_b);
  auto opt = make(net);
  const auto xs = from_reference<tensor<double, 4, 3>>(torch_ref::lin_X);
  const auto ys = from_reference<tensor<double, 4, 2>>(torch_ref::lin_Y);
  const auto loss = nn::squared_loss(net(X), Y);
  workspace<decltype(loss)> ws;
  for (int i = 0; i < 3; ++i) opt.step(net, ws.grad(loss, at(net, X = xs, Y = ys)));
  return net;
}

template <std::size_t N, class Tensor>
void check_close(const Tensor& got, const double (&want)[N]) {
  for (std::size_t i = 0; i < N; ++i) CHECK(got.flat(i) == doctest::Approx(want[i]).epsilon(1e-12));
}

}  // namespace

TEST_CASE("one step by hand") {
  // loss = (w - 3)^2 at w = 1: gradient -4
  constexpr auto w = var<"w", double, 1>;
  const auto loss = sum(square(w - 3.0));
  nn::parameter_set<std::remove_const_t<decltype(w)>> p;
  p[w](0) = 1.0;

  SUBCASE("SGD") {
    optim::SGD opt{0.1};
    opt.step(p, grad(loss, at(p)));
    CHECK(p[w](0) == doctest::Approx(1.4));
  }
  SUBCASE("SGD with momentum and weight decay") {
    optim::SGD opt{p, {.lr = 0.1, .momentum = 0.5, .weight_decay = 0.1}};
    opt.step(p, grad(loss, at(p)));  // g = -4 + 0.1 = -3.9, v = -3.9, w = 1.39
    CHECK(p[w](0) == doctest::Approx(1.39));
    opt.step(p, grad(loss, at(p)));  // g = 2 (1.39 - 3) + 0.139 = -3.081, v = -1.95 - 3.081 = -5.031
    CHECK(p[w](0) == doctest::Approx(1.39 + 0.5031));
  }
  SUBCASE("Adam") {
    optim::Adam opt{p, {.lr = 0.1}};
    opt.step(p, grad(loss, at(p)));  // the first step is lr * sign(g) (up to eps)
    CHECK(p[w](0) == doctest::Approx(1.1));
    CHECK(opt.steps() == 1);
  }
}

TEST_CASE("three steps agree with PyTorch") {
  SUBCASE("SGD") {
    const auto net = train_three_steps([](const Net&) { return optim::SGD{0.05}; });
    check_close(net.params()[Net::W], torch_ref::sgd_plain_W);
    check_close(net.params()[Net::b], torch_ref::sgd_plain_b);
  }
  SUBCASE("SGD, momentum 0.9, weight decay 0.01") {
    const auto net = train_three_steps(
        [](const Net& n) { return optim::SGD{n, {.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01}}; });
    check_close(net.params()[Net::W], torch_ref::sgd_momentum_W);
    check_close(net.params()[Net::b], torch_ref::sgd_momentum_b);
  }
  SUBCASE("Adam") {
    const auto net = train_three_steps([](const Net& n) { return optim::Adam{n, {.lr = 0.1}}; });
    check_close(net.params()[Net::W], torch_ref::adam_W);
    check_close(net.params()[Net::b], torch_ref::adam_b);
  }
  SUBCASE("Adam, betas (0.8, 0.99), eps 1e-6, weight decay 0.01") {
    const auto net = train_three_steps([](const Net& n) {
      return optim::Adam{n, {.lr = 0.05, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.01}};
    });
    check_close(net.params()[Net::W], torch_ref::adam_wd_W);
    check_close(net.params()[Net::b], torch_ref::adam_wd_b);
  }
}

TEST_CASE("optimizer state copied into a fresh optimizer continues bit for bit (what a checkpoint keeps)") {
  const auto xs = from_reference<tensor<double, 4, 3>>(torch_ref::lin_X);
  const auto ys = from_reference<tensor<double, 4, 2>>(torch_ref::lin_Y);
  const auto loss = nn::squared_loss(Net::apply(X), Y);
  // five steps, then the weights and the state into a new model and optimizer, then five
  // more steps on both: the two must not differ in any bit
  auto run = [&](auto make, auto copy_state) {
    Net a{3};
    auto opt_a = make(a);
    for (int i = 0; i < 5; ++i) opt_a.step(a, grad(loss, at(a, X = xs, Y = ys)));
    Net b{99};
    b.params() = a.params();
    auto opt_b = make(b);
    copy_state(opt_a, opt_b);
    for (int i = 0; i < 5; ++i) {
      opt_a.step(a, grad(loss, at(a, X = xs, Y = ys)));
      opt_b.step(b, grad(loss, at(b, X = xs, Y = ys)));
    }
    CHECK(a.params() == b.params());
    return a.params() != Net{3}.params();  // and training moved the weights at all
  };
  CHECK(run([](const Net& n) { return optim::SGD{n, {.lr = 0.05, .momentum = 0.9}}; },
            [](const auto& from, auto& to) { to.velocity() = from.velocity(); }));
  CHECK(run([](const Net& n) { return optim::Adam{n, {.lr = 0.05, .beta1 = 0.8}}; },
            [](const auto& from, auto& to) {
              to.first_moments() = from.first_moments();
              to.second_moments() = from.second_moments();
              to.restore_steps(from.steps());
              CHECK(to.steps() == 5);
            }));
}

TEST_CASE("misuse") {
  CHECK_THROWS_AS(optim::SGD(optim::sgd_options{.lr = 0.1, .momentum = 0.9}), std::invalid_argument);
  // gradients of another model, or with a parameter left out of wrt(...), cannot step
  using Other = nn::Linear<3, 2, double, "other">;
  const auto loss = nn::squared_loss(Other::apply(X), Y);
  using G = decltype(grad(loss, at(Other{}, X = tensor<double, 4, 3>{}, Y = tensor<double, 4, 2>{})));
  static_assert(!G::contains(Net::W));
  static_assert(G::contains(Other::W));
}

TEST_CASE("optimizers run in constant expressions") {
  constexpr double w_after = [] {
    constexpr auto w = var<"w", double, 1>;
    nn::parameter_set<std::remove_const_t<decltype(w)>> p;
    p[w](0) = 1.0;
    optim::Adam opt{p, {.lr = 0.1}};
    for (int i = 0; i < 50; ++i) opt.step(p, grad(sum(square(w - 3.0)), at(p)));
    return p[w](0);
  }();
  static_assert(w_after > 2.5 && w_after < 3.5);
  CHECK(w_after == doctest::Approx(3.0).epsilon(0.2));
}

// value(), grad() and a workspace step allocate nothing on the heap.
// This file replaces the global operator new to count; it has its own main.
#include <cstdio>
#include <memory>

#include <ctgrad/ctgrad.hpp>
#include <ctgrad/data/batches.hpp>
#include <ctgrad/parallel/data_parallel.hpp>

#include "alloc_counter.hpp"

using namespace ctgrad;

int main() {
  int failures = 0;
  auto expect_zero = [&](const char* what, auto&& f) {
    const std::size_t before = test::allocations;
    f();
    const std::size_t n = test::allocations - before;
    std::printf("%-44s %zu heap allocations\n", what, n);
    if (n != 0) ++failures;
  };

  constexpr auto a = var<"a">;
  constexpr auto b = var<"b">;
  volatile double sink = 0;
  expect_zero("scalar value + grad", [&] {
    const auto e = a * b + sin(a) * exp(b) + log(b) / a + pow(a, 3);
    const auto g = grad(e, at(a = 0.7, b = 1.3));
    sink = g[a] + g[b] + value(e, at(a = 0.7, b = 1.3));
  });

  // forward mode, Jacobians, Hessians, higher derivatives and gradcheck: duals live where
  // doubles did, in the workspaces the results hold
  expect_zero("jvp, jacobian, hessian, hvp, derivatives<3>, gradcheck", [&] {
    constexpr auto v = var<"v", double, 3>;
    const tensor<double, 3> vv{0.3, -0.2, 0.5};
    const auto e = sum(hadamard(tanh(v * a), exp(v))) + a * logsumexp(v);
    const auto r = jvp(e, along(v = tensor<double, 3>{1, 0, 0}), at(v = vv, a = 0.7));
    const auto J = jacobian(softmax(v * a), wrt(v, a), at(v = vv, a = 0.7));
    const auto H = hessian(e, wrt(v, a), at(v = vv, a = 0.7));
    const auto hv = hvp(e, along(a = 1.0), at(v = vv, a = 0.7));
    const auto d = derivatives<3>(sin(a) * exp(a), wrt(a), at(a = 0.7));
    const auto report = gradcheck(e, at(v = vv, a = 0.7));
    sink = r.tangent() + J[a](1) + H(a, a) + hv[a] + d[3] + (report ? 1.0 : 0.0);
  });

  // the activations, comparisons and where of ops/functions.hpp and ops/select.hpp
  constexpr auto M = var<"M", double, 8, 16>;
  constexpr auto r = var<"r", double, 16>;
  expect_zero("gelu, silu, minimum, where: value + grad", [&] {
    const auto e = sum(gelu(M) + silu(M) + erf(M) + elu(M) + minimum(M, r) + clamp(M, -0.5, 0.5) +
                       where(M > r, sinh(M), atan(r)) + (M <= 0.1));
    const auto m = tensor<double, 8, 16>::filled(0.3);
    const auto g = grad(e, at(M = m, r = tensor<double, 16>::filled(0.2)));
    sink = g[M](1, 2) + g[r][3] + g.value();
  });

  // the axis reductions, softmax, the shape operations and the losses
  constexpr auto Z = var<"Z", double, 4, 6>;
  constexpr auto classes = input<"classes", int, 4>;
  expect_zero("softmax, logsumexp<1>, concat, slice, nll: value + grad", [&] {
    const auto e = nn::nll_loss(log_softmax(Z), classes) + sum(logsumexp<1>(Z)) + sum(max<0>(Z)) +
                   sum(hadamard(softmax<0>(Z), transpose<0, 1>(reshape<6, 4>(Z)) * 0.0 + 1.0)) +
                   sum(concat<1>(Z, slice<1, 0, 2>(Z), Z, Z)) + norm(index<1>(Z)) +
                   nn::huber_loss(flatten(Z), broadcast_to<24>(stack(index<0>(index<0>(Z)))));
    const auto z = tensor<double, 4, 6>::filled(0.4);
    const auto g = grad(e, at(Z = z, classes = tensor<int, 4>{1, 0, 5, ignore_label}));
    sink = g[Z](1, 2) + value(e, at(Z = z, classes = tensor<int, 4>{1, 0, 5, ignore_label}));
  });

  // a batch through two layers: the workspace is made once (the only allocation), then reused
  constexpr auto X = input<"X", float, 64, 784>;
  constexpr auto W1 = var<"W1", float, 128, 784>;
  constexpr auto b1 = var<"b1", float, 128>;
  constexpr auto W2 = var<"W2", float, 10, 128>;
  constexpr auto b2 = var<"b2", float, 10>;
  const auto loss = mean(square(relu(X * transpose(W1) + b1) * transpose(W2) + b2));
  using L = std::remove_cvref_t<decltype(loss)>;
  auto ws = std::make_unique<workspace<L>>();
  auto x = std::make_unique<tensor<float, 64, 784>>();
  auto w1 = std::make_unique<tensor<float, 128, 784>>(tensor<float, 128, 784>::filled(0.01f));
  tensor<float, 128> bias1{};
  tensor<float, 10, 128> w2 = tensor<float, 10, 128>::filled(0.02f);
  tensor<float, 10> bias2{};
  expect_zero("MLP batch gradient in a reused workspace", [&] {
    for (int step = 0; step < 3; ++step) {
      const auto g = ws->grad(loss, at(X = *x, W1 = *w1, b1 = bias1, W2 = w2, b2 = bias2));
      sink = g[W1](0, 0) + g[b2][0];
    }
  });

  // a whole training step: model, loss, gradients, optimizer
  using Net = nn::MLP<784, 128, 10>;
  constexpr auto labels = input<"labels", int, 64>;
  const auto xent = nn::cross_entropy(Net::apply(X), labels);
  auto net = std::make_unique<Net>(1);
  auto train_ws = std::make_unique<workspace<std::remove_cvref_t<decltype(xent)>>>();
  auto sgd = std::make_unique<optim::SGD<nn::parameters_of<Net>>>(*net, optim::sgd_options{.lr = 0.1, .momentum = 0.9});
  auto adam = std::make_unique<optim::Adam<nn::parameters_of<Net>>>(*net);
  tensor<int, 64> y{};
  expect_zero("training step: grad + SGD with momentum", [&] {
    for (int step = 0; step < 3; ++step) sgd->step(*net, train_ws->grad(xent, at(*net, X = *x, labels = y)));
  });
  expect_zero("training step: grad + Adam", [&] {
    for (int step = 0; step < 3; ++step) adam->step(*net, train_ws->grad(xent, at(*net, X = *x, labels = y)));
  });

  // a whole epoch as the trainer runs it: shuffle, fill each batch, grad, step
  data::split s;
  s.count = 200, s.rows = 28, s.cols = 28;
  s.images.assign(s.count * 784, 17);
  for (std::size_t i = 0; i < s.count; ++i) s.labels.push_back(static_cast<unsigned char>(i % 10));
  data::batches<64, 784> batches(s, 1);
  expect_zero("an epoch: batches, grad, Adam", [&] {
    batches.shuffle(1);
    for (std::size_t i = 0; i < batches.count(); ++i) {
      batches.fill(i, *x, y);
      adam->step(*net, train_ws->grad(xent, at(*net, X = *x, labels = y)));
    }
  });
  // two threads, 32 rows each: the pool and the workspaces are made once; a step (fill on
  // each thread, grad, the sum over the threads, SGD) then allocates nothing, on any thread
  constexpr auto Xh = input<"X", float, 32, 784>;
  constexpr auto labels_h = input<"labels", int, 32>;
  thread_pool pool{2};
  data_parallel dp{pool, *net, nn::cross_entropy(Net::apply(Xh), labels_h)};
  data::batches<32, 784> halves(s, 1);
  auto xs = std::make_unique<tensor<float, 32, 784>[]>(2);
  auto ys = std::make_unique<tensor<int, 32>[]>(2);
  auto epoch = [&] {
    halves.shuffle(1);
    for (std::size_t i = 0; 2 * i < halves.count(); ++i)
      sgd->step(*net, dp.grad([&](std::size_t t) {
        const std::size_t index = 2 * i + t;
        const std::size_t rows = index < halves.count() ? halves.fill(index, xs[t], ys[t]) : 0;
        return shard(static_cast<double>(rows), at(*net, Xh = xs[t], labels_h = ys[t]));
      }));
  };
  epoch();  // the first run: each thread's first touch of its stack
  expect_zero("an epoch on two threads: data_parallel + SGD", epoch);

  // a dynamic batch: workspace and tensors are sized once, then batches of any rows up to
  // that (the last one of an epoch has 200 - 3 x 64 = 8) allocate nothing
  constexpr auto Xd = input<"X", float, dyn, 784>;
  constexpr auto labels_d = input<"labels", int, dyn>;
  const auto xent_d = nn::cross_entropy(Net::apply(Xd), labels_d);
  auto ws_d = std::make_unique<workspace<std::remove_cvref_t<decltype(xent_d)>>>(64);
  tensor<float, dyn, 784> xd;
  tensor<int, dyn> yd;
  xd.reserve(64);
  yd.reserve(64);
  data::batches<dyn, 784> dyn_batches(s, 1, 64);
  expect_zero("an epoch with a dynamic batch: grad + Adam", [&] {
    dyn_batches.shuffle(2);
    for (std::size_t i = 0; i < dyn_batches.count(); ++i) {
      dyn_batches.fill(i, xd, yd);
      adam->step(*net, ws_d->grad(xent_d, at(*net, Xd = xd, labels_d = yd)));
    }
  });
  data_parallel dpd{pool, *net, xent_d, 32};
  tensor<float, dyn, 784> xh[2];
  tensor<int, dyn> yh[2];
  for (int t = 0; t < 2; ++t) xh[t].reserve(32), yh[t].reserve(32);
  auto dyn_epoch = [&] {
    dyn_batches.shuffle(3);
    for (std::size_t i = 0; i < dyn_batches.count(); ++i)
      sgd->step(*net, dpd.grad([&](std::size_t t) {
        const std::size_t rows = dyn_batches.fill(i, xh[t], yh[t], 32 * t, 32);
        return shard(static_cast<double>(rows), at(*net, Xd = xh[t], labels_d = yh[t]));
      }));
  };
  dyn_epoch();
  expect_zero("an epoch on two threads, dynamic shards", dyn_epoch);
  // a convolutional network with a dynamic batch, on two threads, stepping on every thread
  using Conv = nn::Sequential<nn::Unflatten<1, 28, 28>, nn::Conv2d<1, 4, 5, 1, 2>, nn::ReLU, nn::MaxPool2d<2>,
                              nn::Conv2d<4, 8, 5>, nn::ReLU, nn::MaxPool2d<2>, nn::Flatten, nn::Linear<200, 10>>;
  auto conv = std::make_unique<Conv>(2);
  const auto conv_loss = nn::cross_entropy(Conv::apply(Xd), labels_d);
  data_parallel dpc{pool, *conv, conv_loss, 32};
  optim::Adam conv_adam{*conv};
  auto conv_epoch = [&] {
    dyn_batches.shuffle(4);
    for (std::size_t i = 0; i < dyn_batches.count(); ++i)
      dpc.step(
          [&](std::size_t t) {
            const std::size_t rows = dyn_batches.fill(i, xh[t], yh[t], 32 * t, 32);
            return shard(static_cast<double>(rows), at(*conv, Xd = xh[t], labels_d = yh[t]));
          },
          *conv, conv_adam);
  };
  conv_epoch();
  expect_zero("a LeNet-like epoch: conv2d, pooling, dp.step", conv_epoch);
  sink = net->params()[Net::layer<0>::W](0, 0) + conv->params()[Conv::layer<1>::W](0, 0, 0, 0);
  (void)sink;
  std::printf("%s\n", failures == 0 ? "no allocations" : "FAILED: allocations found");
  return failures == 0 ? 0 : 1;
}

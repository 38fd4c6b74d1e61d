// The training loop, included only by the generated instance translation units (see
// instance.cpp.in): one model and one shard size each.
#pragma once

#include "trainer.hpp"

namespace trainer {

enum class loss_kind { cross_entropy, squared };

// The loss of one batch. Squared: 1/2 sum over the rows of |p - onehot|^2, each real row
// weighted 1/rows (so it is a mean) and padding rows 0.
template <class Net, std::size_t B, loss_kind L>
struct batch_loss {
  static constexpr auto X = input<"X", float, B, Net::in_features>;
  static constexpr auto labels = input<"labels", int, B>;
  static constexpr auto onehot = input<"onehot", float, B, classes>;
  static constexpr auto weight = input<"weight", float, B, classes>;
  static auto make() {
    if constexpr (L == loss_kind::cross_entropy)
      return nn::cross_entropy(Net::apply(X), labels);
    else
      return 0.5f * sum(hadamard(square(Net::apply(X) - onehot), weight));
  }
  using type = std::remove_cvref_t<decltype(make())>;
};

// Training: each step takes a batch of S x threads rows, one shard of S rows per thread
// (ctgrad::data_parallel; with one thread it is a plain grad() in one workspace).
template <class Net, std::size_t S, loss_kind L>
void train(Net& net, const data::dataset& d, const options& o, thread_pool& pool, std::vector<double>& test_curve) {
  using loss_t = batch_loss<Net, S, L>;
  using workspace_t = workspace<typename loss_t::type>;
  const auto loss = loss_t::make();
  const auto logits = Net::apply(loss_t::X);
  // with cross-entropy the logits are a stored step: the running training accuracy comes
  // from them; the squared loss fuses them away, so it evaluates the training set instead
  constexpr bool logits_stored = workspace_t::template stores<std::remove_cvref_t<decltype(logits)>>();
  const std::size_t threads = pool.size();
  // one shard's inputs per thread
  struct shard_inputs {
    tensor<float, S, Net::in_features> x;
    tensor<float, S, classes> onehot, weight;
    tensor<int, S> y;
  };
  std::vector<std::unique_ptr<shard_inputs>> in;
  for (std::size_t t = 0; t < threads; ++t) in.push_back(std::make_unique<shard_inputs>());
  data_parallel dp{pool, net, loss};
  optim::SGD sgd{net, {.lr = o.lr, .momentum = o.momentum}};
  optim::Adam adam{net, {.lr = o.lr}};
  data::batches<S, Net::in_features> shards(d.train, o.seed);
  const std::size_t steps = (shards.count() + threads - 1) / threads;
  progress bar(!o.quiet);

  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    shards.shuffle(static_cast<std::uint64_t>(epoch));
    const double lr = o.schedule == "cosine" ? o.lr * 0.5 * (1 + std::cos(M_PI * epoch / o.epochs)) : o.lr;
    sgd.options.lr = lr;
    adam.options.lr = lr;
    double loss_sum = 0;
    std::size_t correct = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < steps; ++i) {
      const auto& g = dp.grad([&](std::size_t t) {
        shard_inputs& s = *in[t];
        const std::size_t index = i * threads + t;
        const std::size_t rows = index < shards.count() ? shards.fill(index, s.x, s.y) : 0;
        if constexpr (L == loss_kind::cross_entropy) {
          return shard(static_cast<double>(rows), at(net, loss_t::X = s.x, loss_t::labels = s.y));
        } else {
          // each real row weighted 1/rows of the whole batch (the data_parallel mean
          // re-weights the shards by their rows)
          for (std::size_t r = 0; r < S; ++r)
            for (std::size_t c = 0; c < classes; ++c) {
              s.onehot(r, c) = r < rows && s.y(r) == static_cast<int>(c) ? 1.0f : 0.0f;
              s.weight(r, c) = r < rows ? 1.0f / static_cast<float>(rows) : 0.0f;
            }
          return shard(static_cast<double>(rows),
                       at(net, loss_t::X = s.x, loss_t::onehot = s.onehot, loss_t::weight = s.weight));
        }
      });
      double rows = 0;
      for (std::size_t t = 0; t < threads; ++t) rows += dp.weight_of(t);
      loss_sum += static_cast<double>(g.value()) * rows;
      if constexpr (logits_stored)
        for (std::size_t t = 0; t < threads; ++t) {
          const auto predicted = nn::argmax(dp.workspace_of(t).stored_value(logits));
          const auto real = static_cast<std::size_t>(dp.weight_of(t));
          for (std::size_t r = 0; r < real; ++r) correct += predicted(r) == in[t]->y(r);
        }
      if (o.optimizer == "sgd")
        sgd.step(net, g);
      else
        adam.step(net, g);
      bar.update(i + 1, steps);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bar.clear();
    if (!std::isfinite(loss_sum)) {
      std::fprintf(stderr, "train: the loss is %f in epoch %d: the learning rate %g is too large\n", loss_sum, epoch + 1, o.lr);
      std::exit(1);
    }
    const double train_acc = logits_stored ? static_cast<double>(correct) / static_cast<double>(d.train.count)
                                           : evaluate(net, d.train);
    const double test_acc = evaluate(net, d.test);
    test_curve.push_back(test_acc);
    if (!o.quiet)
      std::printf("epoch %d/%d  loss %.4f  train_acc %.4f  test_acc %.4f  %.2f s  %.0f samples/s\n", epoch + 1,
                  o.epochs, loss_sum / static_cast<double>(d.train.count), train_acc, test_acc, seconds,
                  static_cast<double>(d.train.count) / seconds);
    std::fflush(stdout);
  }
}

template <class Net, std::size_t S>
void train_shards(Net& net, const data::dataset& d, const options& o, thread_pool& pool, std::vector<double>& test_curve) {
  if (o.loss == "squared")
    train<Net, S, loss_kind::squared>(net, d, o, pool, test_curve);
  else
    train<Net, S, loss_kind::cross_entropy>(net, d, o, pool, test_curve);
}

}  // namespace trainer

// The trainer's pieces shared by its translation units: the options, and the training
// and evaluation templates. Each model is instantiated in its own translation unit
// (model_*.cpp), so they compile in parallel and no one compile holds them all.
#pragma once

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <unistd.h>

#include <ctgrad/ctgrad.hpp>
#include <ctgrad/data/batches.hpp>
#include <ctgrad/data/mnist.hpp>
#include <ctgrad/nn/serialize.hpp>
#include <ctgrad/nn/summary.hpp>

namespace trainer {

using namespace ctgrad;

constexpr std::size_t classes = 10;

struct options {
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::string model = "784-256-128-10";
  int epochs = 10;
  bool epochs_given = false;
  std::size_t batch = 64;
  double lr = 0.001;
  bool lr_given = false;
  std::string optimizer = "adam";
  double momentum = 0;
  std::string schedule;  // constant or cosine; default: cosine for adam, constant for sgd
  std::string loss = "cross-entropy";
  std::uint64_t seed = 1;
  int threads = 1;
  std::string save, load;
  bool quiet = false;
};


// One function per model, each in its own translation unit.
int run_784_128_10(const options& o, const data::dataset& d);
int run_784_256_128_10(const options& o, const data::dataset& d);

// A progress bar on a terminal; nothing between epoch lines otherwise.
class progress {
 public:
  explicit progress(bool enabled) : enabled_(enabled && ::isatty(STDOUT_FILENO)) {}
  void update(std::size_t done, std::size_t total) {
    if (!enabled_) return;
    const int percent = static_cast<int>(100 * done / total);
    if (percent == last_) return;
    last_ = percent;
    char bar[41];
    const int filled = percent * 40 / 100;
    for (int i = 0; i < 40; ++i) bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    bar[40] = '\0';
    std::printf("\r[%s] %3d%%", bar, percent);
    std::fflush(stdout);
  }
  void clear() {
    if (enabled_) std::printf("\r%60s\r", "");
    last_ = -1;
  }

 private:
  bool enabled_;
  int last_ = -1;
};

using confusion = std::array<std::array<std::size_t, classes>, classes>;

// Accuracy of the model on a split, and its confusion matrix (rows: true class).
template <class Net>
double evaluate(const Net& net, const data::split& s, confusion* matrix = nullptr) {
  constexpr std::size_t E = 500;
  constexpr auto X = input<"X", float, E, Net::in_features>;
  static const auto logits = Net::apply(X);
  static auto x = std::make_unique<tensor<float, E, Net::in_features>>();
  static tensor<int, E> y{};
  static auto ws = std::make_unique<workspace<std::remove_cvref_t<decltype(logits)>, wrt_t<>>>();
  data::batches<E, Net::in_features> b(s, 0);
  if (matrix) *matrix = {};
  std::size_t correct = 0;
  for (std::size_t i = 0; i < b.count(); ++i) {
    const std::size_t rows = b.fill(i, *x, y);
    const auto& z = ws->value(logits, at(net, X = *x));
    const auto predicted = nn::argmax(z);
    for (std::size_t r = 0; r < rows; ++r) {
      correct += predicted(r) == y(r);
      if (matrix) ++(*matrix)[static_cast<std::size_t>(y(r))][static_cast<std::size_t>(predicted(r))];
    }
  }
  return static_cast<double>(correct) / static_cast<double>(s.count);
}

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

template <class Net, std::size_t B, loss_kind L>
void train(Net& net, const data::dataset& d, const options& o) {
  using loss_t = batch_loss<Net, B, L>;
  using workspace_t = workspace<typename loss_t::type>;
  const auto loss = loss_t::make();
  const auto logits = Net::apply(loss_t::X);
  // with cross-entropy the logits are a stored step: the running training accuracy comes
  // from them; the squared loss fuses them away, so it evaluates the training set instead
  constexpr bool logits_stored = workspace_t::template stores<std::remove_cvref_t<decltype(logits)>>();
  auto ws = std::make_unique<workspace_t>();
  auto x = std::make_unique<tensor<float, B, Net::in_features>>();
  auto onehot = std::make_unique<tensor<float, B, classes>>();
  auto weight = std::make_unique<tensor<float, B, classes>>();
  tensor<int, B> y{};
  optim::SGD sgd{net, {.lr = o.lr, .momentum = o.momentum}};
  optim::Adam adam{net, {.lr = o.lr}};
  data::batches<B, Net::in_features> batches(d.train, o.seed);
  progress bar(!o.quiet);

  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    batches.shuffle(static_cast<std::uint64_t>(epoch));
    const double lr = o.schedule == "cosine" ? o.lr * 0.5 * (1 + std::cos(M_PI * epoch / o.epochs)) : o.lr;
    sgd.options.lr = lr;
    adam.options.lr = lr;
    double loss_sum = 0;
    std::size_t correct = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < batches.count(); ++i) {
      const std::size_t rows = batches.fill(i, *x, y);
      if constexpr (L == loss_kind::squared)
        for (std::size_t r = 0; r < B; ++r)
          for (std::size_t c = 0; c < classes; ++c) {
            (*onehot)(r, c) = r < rows && y(r) == static_cast<int>(c) ? 1.0f : 0.0f;
            (*weight)(r, c) = r < rows ? 1.0f / static_cast<float>(rows) : 0.0f;
          }
      const auto g = [&] {
        if constexpr (L == loss_kind::cross_entropy)
          return ws->grad(loss, at(net, loss_t::X = *x, loss_t::labels = y));
        else
          return ws->grad(loss, at(net, loss_t::X = *x, loss_t::onehot = *onehot, loss_t::weight = *weight));
      }();
      loss_sum += static_cast<double>(g.value()) * static_cast<double>(rows);
      if constexpr (logits_stored) {
        const auto predicted = nn::argmax(ws->stored_value(logits));
        for (std::size_t r = 0; r < rows; ++r) correct += predicted(r) == y(r);
      }
      if (o.optimizer == "sgd")
        sgd.step(net, g);
      else
        adam.step(net, g);
      bar.update(i + 1, batches.count());
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
    if (!o.quiet)
      std::printf("epoch %d/%d  loss %.4f  train_acc %.4f  test_acc %.4f  %.2f s  %.0f samples/s\n", epoch + 1,
                  o.epochs, loss_sum / static_cast<double>(d.train.count), train_acc, test_acc, seconds,
                  static_cast<double>(d.train.count) / seconds);
    std::fflush(stdout);
  }
}

template <class Net>
int run(const options& o, const data::dataset& d) {
  auto net = std::make_unique<Net>(o.seed);
  if (!o.load.empty()) nn::load(*net, o.load);
  if (!o.quiet) std::printf("%s", nn::summary(*net).c_str());

  const bool squared = o.loss == "squared";
  auto with_batch = [&]<std::size_t B>() {
    if (squared)
      train<Net, B, loss_kind::squared>(*net, d, o);
    else
      train<Net, B, loss_kind::cross_entropy>(*net, d, o);
  };
  switch (o.batch) {
    case 32: with_batch.template operator()<32>(); break;
    case 64: with_batch.template operator()<64>(); break;
    case 128: with_batch.template operator()<128>(); break;
    default: with_batch.template operator()<256>(); break;
  }

  confusion matrix;
  const double accuracy = evaluate(*net, d.test, &matrix);
  if (!o.save.empty()) {
    nn::save(*net, o.save);
    if (!o.quiet) std::printf("saved the weights to %s\n", o.save.c_str());
  }
  if (!o.quiet) {
    std::printf("confusion matrix (rows: true class, columns: predicted)\n     ");
    for (std::size_t c = 0; c < classes; ++c) std::printf("%6zu", c);
    std::printf("\n");
    for (std::size_t t = 0; t < classes; ++t) {
      std::printf("%5zu", t);
      for (std::size_t c = 0; c < classes; ++c) std::printf("%6zu", matrix[t][c]);
      std::printf("\n");
    }
  }
  std::printf("test accuracy: %.4f\n", accuracy);
  return 0;
}

}  // namespace trainer

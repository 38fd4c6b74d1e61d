// A run of the trainer: set-up, the training loop, the evaluation, saving, the plot. Plain
// functions, compiled once for every model: what depends on the model's type is behind
// `network` (trainer.hpp, model.hpp).
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

#include <ctgrad/data/batches.hpp>

#include "trainer.hpp"

namespace trainer {
namespace {

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

// Accuracy of the model on a split, and its confusion matrix (rows: true class). Batches
// of 100 rows: LeNet stores tens of kB of values a row, so larger batches only spill the
// caches and grow the workspace.
double evaluate(network& net, const data::split& s, confusion* matrix = nullptr) {
  constexpr std::size_t E = 100;
  static shard_inputs in;
  static std::array<std::size_t, E> predicted;
  in.x.reserve(E);
  in.y.reserve(E);
  data::batches<dyn, pixels> b(s, 0, E);
  if (matrix) *matrix = {};
  std::size_t correct = 0;
  for (std::size_t i = 0; i < b.count(); ++i) {
    in.rows = b.fill(i, in.x, in.y);
    net.predict(in, predicted.data());
    for (std::size_t r = 0; r < in.rows; ++r) {
      correct += static_cast<int>(predicted[r]) == in.y[r];
      if (matrix) ++(*matrix)[static_cast<std::size_t>(in.y[r])][predicted[r]];
    }
  }
  return static_cast<double>(correct) / static_cast<double>(s.count);
}

// One step's batch: thread t takes rows [t B / T, (t + 1) B / T) of this rank's rows, and
// this rank takes rows [rank B / ranks, (rank + 1) B / ranks) of the batch.
class shards final : public batch_source {
 public:
  shards(data::batches<dyn, pixels>& batches, const options& o, std::size_t threads)
      : batches_(batches),
        threads_(threads),
        rank_first_(static_cast<std::size_t>(o.rank) * o.batch / static_cast<std::size_t>(o.ranks)),
        rank_rows_(static_cast<std::size_t>(o.rank + 1) * o.batch / static_cast<std::size_t>(o.ranks) - rank_first_) {
    for (std::size_t t = 0; t < threads; ++t) {  // sized once
      in_.push_back(std::make_unique<shard_inputs>());
      in_.back()->x.reserve(shard_rows());
      in_.back()->y.reserve(shard_rows());
    }
  }
  std::size_t shard_rows() const { return (rank_rows_ + threads_ - 1) / threads_; }
  void select(std::size_t step) { step_ = step; }

  shard_inputs& fill(std::size_t t) override {
    shard_inputs& s = *in_[t];
    const std::size_t first = t * rank_rows_ / threads_, last = (t + 1) * rank_rows_ / threads_;
    s.rows = batches_.fill(step_, s.x, s.y, rank_first_ + first, last - first);
    return s;
  }
  const shard_inputs& shard(std::size_t t) const override { return *in_[t]; }

 private:
  data::batches<dyn, pixels>& batches_;
  std::size_t threads_, rank_first_, rank_rows_, step_ = 0;
  std::vector<std::unique_ptr<shard_inputs>> in_;
};

// Training: each step takes a batch of o.batch rows, split over the threads
// (ctgrad::data_parallel; with one thread a plain grad()).
void train(network& net, const data::dataset& d, const options& o, thread_pool& pool, std::vector<double>& test_curve) {
  data::batches<dyn, pixels> batches(d.train, o.seed, o.batch);
  shards batch(batches, o, pool.size());
  net.prepare(pool, batch.shard_rows());
  const std::size_t steps = batches.count();
  progress bar(!o.quiet);
  const std::string settings = o.checkpoint.empty() && o.resume.empty() ? "" : run_settings(o, d.train);
  int first_epoch = 0;
  if (!o.resume.empty()) {
    optimizer_state state = net.optimizer();
    first_epoch = resume(o, settings, net.weights(), state, test_curve);
    if (o.optimizer != "sgd") net.restore_steps(state.adam_steps);
  }

  for (int epoch = first_epoch; epoch < o.epochs; ++epoch) {
    batches.shuffle(static_cast<std::uint64_t>(epoch));
    net.set_learning_rate(o.schedule == "cosine" ? o.lr * 0.5 * (1 + std::cos(M_PI * epoch / o.epochs)) : o.lr);
    double loss_sum = 0;
    std::size_t correct = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < steps; ++i) {
      batch.select(i);
      const network::step_result r = net.step(batch);
      loss_sum += r.loss_sum;
      correct += r.correct;
      bar.update(i + 1, steps);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bar.clear();
#if defined(CTGRAD_TRAIN_MPI)
    if (o.distributed) {  // each rank counted its own rows
      unsigned long long mine = correct, all = 0;
      MPI_Reduce(&mine, &all, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
      correct = static_cast<std::size_t>(all);
    }
#endif
    if (!std::isfinite(loss_sum)) {
      std::fprintf(stderr, "train: the loss is %f in epoch %d: the learning rate %g is too large\n", loss_sum, epoch + 1, o.lr);
      std::exit(1);
    }
    if (o.rank != 0) continue;  // rank 0 evaluates and reports; the weights are the same everywhere
    const double train_acc = static_cast<double>(correct) / static_cast<double>(d.train.count);
    const double test_acc = evaluate(net, d.test);
    test_curve.push_back(test_acc);
    // before the epoch's line: once it is printed, the epoch is safe
    if (!o.checkpoint.empty()) write_checkpoint(o, settings, net.weights(), net.optimizer(), epoch + 1, test_curve);
    if (!o.quiet)
      std::printf("epoch %d/%d  loss %.4f  train_acc %.4f  test_acc %.4f  %.2f s  %.0f samples/s\n", epoch + 1,
                  o.epochs, loss_sum / static_cast<double>(d.train.count), train_acc, test_acc, seconds,
                  static_cast<double>(d.train.count) / seconds);
    std::fflush(stdout);
  }
}

}  // namespace

int run(network& net, const options& o, const data::dataset& d) {
  if (!o.load.empty()) load_weights(net.weights(), o.load);
  if (!o.quiet) print_summary(net.weights());

  thread_pool pool{static_cast<std::size_t>(o.threads)};
  std::vector<double> test_curve;
  train(net, d, o, pool, test_curve);
  if (o.rank != 0) return 0;  // --distributed: rank 0 evaluates, saves and plots

  confusion matrix;
  const double accuracy = evaluate(net, d.test, &matrix);
  if (!o.save.empty()) {
    save_weights(net.weights(), o.save);
    if (!o.quiet) std::printf("saved the weights to %s\n", o.save.c_str());
  }
  if (!o.plot.empty()) write_plot(o.plot, test_curve, o);  // after saving: a bad path loses no weights
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

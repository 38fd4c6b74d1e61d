// run(): set-up, the training loop, the final evaluation, saving, the plot. Included by
// model_*.cpp, one model each.
#pragma once

#include <ctgrad/nn/serialize.hpp>
#include <ctgrad/nn/summary.hpp>

#include "evaluate.hpp"
#include "train_loop.hpp"

namespace trainer {

template <class Net>
int run(const options& o, const data::dataset& d) {
  auto net = std::make_unique<Net>(o.seed);
  if (!o.load.empty()) nn::load(*net, o.load);
  if (!o.quiet) std::printf("%s", nn::summary(*net).c_str());

  thread_pool pool{static_cast<std::size_t>(o.threads)};
  std::vector<double> test_curve;
  train(*net, d, o, pool, test_curve);
  if (o.rank != 0) return 0;  // --distributed: rank 0 evaluates, saves and plots

  confusion matrix;
  const double accuracy = evaluate(*net, d.test, &matrix);
  if (!o.save.empty()) {
    nn::save(*net, o.save);
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

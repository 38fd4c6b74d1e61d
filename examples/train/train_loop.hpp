// The training loop, included by the model units (model_*.cpp), one model each. The batch is
// dynamic (input<"X", float, dyn, 784>): one compiled loop serves every --batch and
// --threads, the last batch of an epoch has its true rows, and each thread's shard is
// whatever the split gives it.
#pragma once

#include <optional>

#include <ctgrad/nn/checkpoint.hpp>

#include "loss.hpp"
#include "trainer.hpp"

namespace trainer {

// --checkpoint: everything the next epoch depends on. The shuffle's random position is the
// epoch itself (data::batches draws each epoch's order from (seed, epoch)).
template <class Net, class Sgd, class Adam>
void write_checkpoint(const options& o, const std::string& settings, const Net& net, const Sgd& sgd, const Adam& adam, int epochs_done,
                      const std::vector<double>& test_curve) {
  nn::checkpoint c;
  c.put_text("settings", settings);
  c.put_number("epoch", static_cast<std::uint64_t>(epochs_done));
  c.put("model", net);
  if (o.optimizer == "sgd") {
    c.put("sgd.velocity", sgd.velocity());
  } else {
    c.put("adam.m", adam.first_moments());
    c.put("adam.v", adam.second_moments());
    c.put_number("adam.steps", adam.steps());
  }
  c.put_reals("test_accuracy", test_curve);
  save_checkpoint(c, o.checkpoint);
}

// --resume: the state write_checkpoint() saved; returns the epochs it had done. Under
// --distributed rank 0 reads the file and every rank gets it, so every rank fails together.
template <class Net, class Sgd, class Adam>
int resume(const options& o, const std::string& settings, Net& net, Sgd& sgd, Adam& adam, std::vector<double>& test_curve) {
  const nn::checkpoint c = read_checkpoint(o, settings);
  try {
    c.get("model", net);
    if (o.optimizer == "sgd") {
      c.get("sgd.velocity", sgd.velocity());
    } else {
      c.get("adam.m", adam.first_moments());
      c.get("adam.v", adam.second_moments());
      adam.restore_steps(static_cast<std::size_t>(c.number("adam.steps")));
    }
    const std::uint64_t done = c.number("epoch");
    if (done > static_cast<std::uint64_t>(o.epochs))
      throw job_error(o.resume + ": holds " + std::to_string(done) + " epochs done, more than --epochs " + std::to_string(o.epochs));
    if (o.rank == 0) test_curve = c.reals("test_accuracy");
    if (!o.quiet) std::printf("resumed from %s after epoch %llu/%d\n", o.resume.c_str(), static_cast<unsigned long long>(done), o.epochs);
    return static_cast<int>(done);
  } catch (const nn::format_error& e) {
    throw job_error(e.what());
  }
}

// Training: each step takes a batch of o.batch rows, split over the threads (thread t takes
// rows [t B / T, (t + 1) B / T); ctgrad::data_parallel; with one thread a plain grad()).
template <class Net>
void train(Net& net, const data::dataset& d, const options& o, thread_pool& pool, std::vector<double>& test_curve) {
  using loss_t = batch_loss<Net>;
  using workspace_t = workspace<typename loss_t::type>;
  const auto loss = loss_t::make(o.loss == "squared" ? loss_kind::squared : loss_kind::cross_entropy);
  // the logits are a stored step: the running training accuracy comes from them
  const auto logits = Net::apply(loss_t::X);
  static_assert(workspace_t::template stores<std::remove_cvref_t<decltype(logits)>>());
  const std::size_t threads = pool.size();
  // this rank's rows of every batch: [rank B / ranks, (rank + 1) B / ranks), one rank: all
  const std::size_t rank_first = static_cast<std::size_t>(o.rank) * o.batch / static_cast<std::size_t>(o.ranks);
  const std::size_t rank_rows = static_cast<std::size_t>(o.rank + 1) * o.batch / static_cast<std::size_t>(o.ranks) - rank_first;
  const std::size_t shard_rows = (rank_rows + threads - 1) / threads;
  // one shard's inputs per thread, sized once
  struct shard_inputs {
    tensor<float, dyn, Net::in_features> x;
    tensor<int, dyn> y;
  };
  std::vector<std::unique_ptr<shard_inputs>> in;
  for (std::size_t t = 0; t < threads; ++t) {
    in.push_back(std::make_unique<shard_inputs>());
    in.back()->x.reserve(shard_rows);
    in.back()->y.reserve(shard_rows);
  }
  data_parallel dp{pool, net, loss, shard_rows};
#if defined(CTGRAD_TRAIN_MPI)
  // --distributed: rank 0's initial weights everywhere (this also finds ranks with other
  // models), then each step's gradient summed over the ranks
  std::optional<mpi::gradient_allreduce<Net>> ranks;
  if (o.distributed) {
    mpi::broadcast(net);
    ranks.emplace(net);
  }
#endif
  optim::SGD sgd{net, {.lr = o.lr, .momentum = o.momentum}};
  optim::Adam adam{net, {.lr = o.lr}};
  data::batches<dyn, Net::in_features> batches(d.train, o.seed, o.batch);
  const std::size_t steps = batches.count();
  progress bar(!o.quiet);
  const std::string settings = o.checkpoint.empty() && o.resume.empty() ? "" : run_settings(o, d.train);
  const int first_epoch = o.resume.empty() ? 0 : resume(o, settings, net, sgd, adam, test_curve);

  for (int epoch = first_epoch; epoch < o.epochs; ++epoch) {
    batches.shuffle(static_cast<std::uint64_t>(epoch));
    const double lr = o.schedule == "cosine" ? o.lr * 0.5 * (1 + std::cos(M_PI * epoch / o.epochs)) : o.lr;
    sgd.options.lr = lr;
    adam.options.lr = lr;
    double loss_sum = 0;
    std::size_t correct = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < steps; ++i) {
      auto bind = [&](std::size_t t) {
        shard_inputs& s = *in[t];
        const std::size_t first = t * rank_rows / threads, last = (t + 1) * rank_rows / threads;
        const std::size_t rows = batches.fill(i, s.x, s.y, rank_first + first, last - first);
        return shard(static_cast<double>(rows), at(net, loss_t::X = s.x, loss_t::labels = s.y));
      };
      double rows = 0;
#if defined(CTGRAD_TRAIN_MPI)
      if (ranks) {  // this rank's gradient, the sum over the ranks, the same step everywhere
        const auto& mine = dp.grad(bind);
        for (std::size_t t = 0; t < threads; ++t) rows += dp.weight_of(t);
        const auto& global = (*ranks)(mine, rows);
        if (o.optimizer == "sgd")
          sgd.step(net, global);
        else
          adam.step(net, global);
        loss_sum += ranks->value() * ranks->rows();
      } else
#endif
      {
        // the gradient of the batch and the optimizer's step, both on every thread
        const auto& g = o.optimizer == "sgd" ? dp.step(bind, net, sgd) : dp.step(bind, net, adam);
        for (std::size_t t = 0; t < threads; ++t) rows += dp.weight_of(t);
        loss_sum += static_cast<double>(g.value()) * rows;
      }
      for (std::size_t t = 0; t < threads; ++t) {
        const auto& z = dp.workspace_of(t).stored_value(logits);
        const std::size_t real = static_cast<std::size_t>(dp.weight_of(t));
        for (std::size_t r = 0; r < real; ++r) correct += static_cast<int>(nn::argmax(z, r)) == in[t]->y[r];
      }
      bar.update(i + 1, steps);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bar.clear();
#if defined(CTGRAD_TRAIN_MPI)
    if (ranks) {  // each rank counted its own rows
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
    if (!o.checkpoint.empty()) write_checkpoint(o, settings, net, sgd, adam, epoch + 1, test_curve);
    if (!o.quiet)
      std::printf("epoch %d/%d  loss %.4f  train_acc %.4f  test_acc %.4f  %.2f s  %.0f samples/s\n", epoch + 1,
                  o.epochs, loss_sum / static_cast<double>(d.train.count), train_acc, test_acc, seconds,
                  static_cast<double>(d.train.count) / seconds);
    std::fflush(stdout);
  }
}

}  // namespace trainer

// A model as the training loop sees it (trainer.hpp's `network`): the code that depends on
// the model's type, and only that. Included by model_*.cpp, one model each. The batch is
// dynamic (input<"X", float, dyn, 784>): one compiled step serves every --batch and
// --threads, the last batch of an epoch has its true rows, and each thread's shard is
// whatever the split gives it.
#pragma once

#include <memory>
#include <optional>

#include <ctgrad/engine/workspace.hpp>
#include <ctgrad/nn/conv.hpp>
#include <ctgrad/nn/metrics.hpp>
#include <ctgrad/nn/mlp.hpp>
#include <ctgrad/optim/adam.hpp>
#include <ctgrad/optim/sgd.hpp>
#include <ctgrad/parallel/data_parallel.hpp>

#include "loss.hpp"
#include "trainer.hpp"

namespace trainer {

template <class Net>
class network_of final : public network {
  using loss_t = batch_loss<Net>;
  using loss_type = typename loss_t::type;
  static_assert(Net::in_features == pixels, "trainer: the models take rows of 784 pixels");

 public:
  explicit network_of(const options& o)
      : o_(o),
        net_(o.seed),
        sgd_(net_, {.lr = o.lr, .momentum = o.momentum}),
        adam_(net_, {.lr = o.lr}),
        loss_(loss_t::make(o.loss == "squared" ? loss_kind::squared : loss_kind::cross_entropy)),
        eval_loss_(loss_t::make(loss_kind::cross_entropy)) {
    // the logits are a stored step: the accuracy comes from them
    static_assert(workspace<loss_type>::template stores<std::remove_cvref_t<decltype(logits())>>());
  }

  nn::parameter_refs weights() override { return nn::refs_of(net_); }

  // The training expression and workspace type, without gradients: the forward pass is
  // the training's compiled code (a workspace without gradients would compile it again).
  // Always the cross-entropy, for which the logits are the same.
  void predict(const shard_inputs& in, std::size_t* predicted) override {
    if (!eval_) eval_ = std::make_unique<workspace<loss_type>>(in.rows);
    eval_->reserve(in.rows);
    eval_->value(eval_loss_, at(net_, loss_t::X = in.x, loss_t::labels = in.y));
    const auto& z = eval_->stored_value(logits());
    for (std::size_t r = 0; r < in.rows; ++r) predicted[r] = nn::argmax(z, r);
  }

  void prepare(thread_pool& pool, std::size_t shard_rows) override {
    dp_.emplace(pool, net_, loss_, shard_rows);
#if defined(CTGRAD_TRAIN_MPI)
    // --distributed: rank 0's initial weights everywhere (this also finds ranks with other
    // models), then each step's gradient summed over the ranks
    if (o_.distributed) {
      mpi::broadcast(net_);
      ranks_.emplace(net_);
    }
#endif
  }

  step_result step(batch_source& batch) override {
    auto bind = [&](std::size_t t) {
      const shard_inputs& s = batch.fill(t);
      return shard(static_cast<double>(s.rows), at(net_, loss_t::X = s.x, loss_t::labels = s.y));
    };
    step_result r;
    double rows = 0;
    const std::size_t threads = dp_->shards();
#if defined(CTGRAD_TRAIN_MPI)
    if (ranks_) {  // this rank's gradient, the sum over the ranks, the same step everywhere
      const auto& mine = dp_->grad(bind);
      for (std::size_t t = 0; t < threads; ++t) rows += dp_->weight_of(t);
      const auto& global = (*ranks_)(mine, rows);
      if (o_.optimizer == "sgd")
        sgd_.step(net_, global);
      else
        adam_.step(net_, global);
      r.loss_sum = ranks_->value() * ranks_->rows();
    } else
#endif
    {
      // the gradient of the batch and the optimizer's step, both on every thread
      const auto& g = o_.optimizer == "sgd" ? dp_->step(bind, net_, sgd_) : dp_->step(bind, net_, adam_);
      for (std::size_t t = 0; t < threads; ++t) rows += dp_->weight_of(t);
      r.loss_sum = static_cast<double>(g.value()) * rows;
    }
    for (std::size_t t = 0; t < threads; ++t) {
      const auto& z = dp_->workspace_of(t).stored_value(logits());
      const auto& y = batch.shard(t).y;
      const std::size_t real = static_cast<std::size_t>(dp_->weight_of(t));
      for (std::size_t i = 0; i < real; ++i) r.correct += static_cast<int>(nn::argmax(z, i)) == y[i];
    }
    return r;
  }

  void set_learning_rate(double lr) override {
    sgd_.options.lr = lr;
    adam_.options.lr = lr;
  }

  optimizer_state optimizer() override {
    optimizer_state s;
    if (o_.optimizer == "sgd") {
      s.sets.emplace_back("sgd.velocity", nn::refs_of(sgd_.velocity()));
    } else {
      s.sets.emplace_back("adam.m", nn::refs_of(adam_.first_moments()));
      s.sets.emplace_back("adam.v", nn::refs_of(adam_.second_moments()));
      s.adam_steps = adam_.steps();
    }
    return s;
  }
  void restore_steps(std::uint64_t adam_steps) override { adam_.restore_steps(static_cast<std::size_t>(adam_steps)); }

 private:
  static constexpr auto logits() { return Net::apply(loss_t::X); }

  const options& o_;
  Net net_;
  optim::SGD<nn::parameters_of<Net>> sgd_;
  optim::Adam<nn::parameters_of<Net>> adam_;
  loss_type loss_;
  loss_type eval_loss_;
  std::optional<data_parallel<Net, loss_type>> dp_;
#if defined(CTGRAD_TRAIN_MPI)
  std::optional<mpi::gradient_allreduce<Net>> ranks_;
#endif
  std::unique_ptr<workspace<loss_type>> eval_;
};

}  // namespace trainer

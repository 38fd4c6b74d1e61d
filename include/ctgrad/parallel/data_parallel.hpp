// A training step on several threads: the batch is split into shards, each thread takes
// the gradient of the loss on its shard in its own workspace, and the threads then add
// the shards' gradients together, each thread a slice of every parameter.
//
//   thread_pool pool{2};
//   data_parallel dp{pool, net, shard_loss};          // shard_loss: the loss for one shard
//   const auto& g = dp.grad([&](std::size_t t) {      // runs on thread t
//     const std::size_t rows = batches.fill(2 * i + t, x[t], y[t]);
//     return shard(rows, at(net, X = x[t], labels = y[t]));
//   });
//   opt.step(net, g);                                  // like the gradients of one grad()
//   dp.step(bind, net, opt);                           // both, the step on every thread too
//
// The result is the weighted mean sum_t w_t g_t / sum_t w_t (and the same of the values):
// for a loss that is a mean over the rows (cross_entropy, mse), weighting each shard by
// its row count gives exactly the gradient of the whole batch, up to summation order. A
// shard of weight 0 is not evaluated (a short last batch); if every weight is 0 the
// gradient is zero. With one thread nothing is copied: the gradients are the workspace's.
//
// Allocation happens once, in the constructor (one workspace per thread). A loss with a
// dynamic batch (input<"X", float, dyn, 784>) takes shards of any size up to the rows given
// there: data_parallel dp{pool, net, loss, rows_per_shard}.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctgrad/engine/workspace.hpp"
#include "ctgrad/nn/parameters.hpp"
#include "ctgrad/optim/optimizer.hpp"
#include "ctgrad/parallel/thread_pool.hpp"

namespace ctgrad {

// One shard's bindings and its weight in the mean
template <class B>
struct weighted_shard {
  double weight;
  B bindings;
};
template <class B>
constexpr weighted_shard<B> shard(double weight, B bindings) {
  return {weight, std::move(bindings)};
}

namespace detail {
// o = w g (first) or o += w g over [begin, end): of the element type alone, so compiled
// once per type, not once for every parameter of every model
template <class T>
void add_weighted(T* o, const T* g, T w, std::size_t begin, std::size_t end, bool first) {
  if (first)
    for (std::size_t i = begin; i < end; ++i) o[i] = w * g[i];
  else
    for (std::size_t i = begin; i < end; ++i) o[i] += w * g[i];
}
}  // namespace detail

template <nn::model Model, class Loss>
class data_parallel {
  using params_t = nn::parameters_of<Model>;
  using workspace_t = workspace<Loss>;
  using value_t = decltype(std::declval<const workspace_t&>().scalar_value());

 public:
  // The summed gradients: what an optimizer step reads (contains, as_tensor, [], value)
  class gradients {
   public:
    template <class Leaf>
    static constexpr bool contains(const Leaf& = {}) {
      return workspace_t::gradients_type::template contains<Leaf>();
    }
    template <class Leaf>
    const auto& as_tensor(const Leaf& leaf) const {
      return owner_->direct_ ? owner_->spaces_[0]->gradients_view().as_tensor(leaf) : sum_[leaf];
    }
    template <class Leaf>
    decltype(auto) operator[](const Leaf& leaf) const {
      if constexpr (Leaf::shape_type::rank == 0)
        return as_tensor(leaf).flat(0);
      else
        return as_tensor(leaf);
    }
    value_t value() const { return value_; }

   private:
    friend data_parallel;
    const data_parallel* owner_ = nullptr;
    params_t sum_{};
    value_t value_{};
  };

  data_parallel(thread_pool& pool, const Model&, const Loss& loss)
    requires(!workspace_t::dynamic)
      : data_parallel(pool, loss, 0) {}
  // a loss with a dynamic batch: each thread's workspace holds shards of up to max_rows rows
  data_parallel(thread_pool& pool, const Model&, const Loss& loss, std::size_t max_rows)
    requires workspace_t::dynamic
      : data_parallel(pool, loss, max_rows) {}

 private:
  data_parallel(thread_pool& pool, const Loss& loss, std::size_t max_rows)
      : pool_(pool), loss_(loss), weights_(pool.size()), values_(pool.size()) {
    for (std::size_t t = 0; t < pool.size(); ++t) {
      if constexpr (workspace_t::dynamic)
        spaces_.push_back(std::make_unique<workspace_t>(max_rows));
      else
        spaces_.push_back(std::make_unique<workspace_t>());
    }
    result_ = std::make_unique<gradients>();
    result_->owner_ = this;
  }

 public:
  std::size_t shards() const { return pool_.size(); }
  // thread t's workspace, e.g. for stored_value(logits) of its shard after grad()
  const workspace_t& workspace_of(std::size_t t) const { return *spaces_[t]; }
  // the weight shard t had in the last grad()
  double weight_of(std::size_t t) const { return weights_[t]; }

  // bind(t) -> shard(weight, bindings), called on thread t
  template <class Bind>
  const gradients& grad(Bind&& bind) {
    const double total = shard_gradients(bind);
    if (!direct_) pool_.run([&](std::size_t t) { reduce(t, total); });
    return *result_;
  }

  // grad(bind), then the optimizer's step on the model: the same as opt.step(model,
  // grad(bind)), but each thread updates the part of every parameter it has just summed
  // (optim::part), so the step runs on every thread, with no further wait.
  template <class Bind, nn::model M, class Optimizer>
  const gradients& step(Bind&& bind, M& model, Optimizer& opt) {
    static_assert(std::is_same_v<nn::parameters_of<M>, params_t>, "ctgrad: data_parallel::step: a model of another type");
    const double total = shard_gradients(bind);
    opt.begin_step();
    if (direct_) {
      opt.step_part(model, *result_, optim::part{});
    } else {
      pool_.run([&](std::size_t t) {
        reduce(t, total);
        opt.step_part(model, *result_, optim::part{t, pool_.size()});
      });
    }
    return *result_;
  }

 private:
  // every shard's gradient in its thread's workspace; the weighted value; whether the one
  // workspace's gradients are the result (direct_). Returns the weights' sum.
  template <class Bind>
  double shard_gradients(Bind& bind) {
    pool_.run([&](std::size_t t) {
      auto s = bind(t);
      if (!(s.weight >= 0) || s.weight == std::numeric_limits<double>::infinity())
        throw std::invalid_argument("ctgrad: data_parallel: shard " + std::to_string(t) +
                                    " has weight " + std::to_string(s.weight) + "; expected a finite weight >= 0 (its row count)");
      weights_[t] = s.weight;
      if (s.weight != 0) values_[t] = static_cast<double>(spaces_[t]->grad(loss_, s.bindings).value());
    });
    double total = 0;
    for (double w : weights_) total += w;
    if (!(total < std::numeric_limits<double>::infinity()))  // each was finite; their sum is not
      throw std::invalid_argument("ctgrad: data_parallel: the shard weights add up to " + std::to_string(total) +
                                  "; expected a finite sum (weights are row counts)");
    direct_ = pool_.size() == 1 && total != 0;
    if (direct_) {
      result_->value_ = static_cast<value_t>(values_[0]);
      return total;
    }
    double value = 0;
    for (std::size_t t = 0; t < weights_.size(); ++t)
      if (weights_[t] != 0) value += weights_[t] / total * values_[t];
    result_->value_ = static_cast<value_t>(value);
    return total;
  }

  // thread t adds up its slice of every parameter's gradient over the shards
  void reduce(std::size_t t, double total) {
    const std::size_t n_threads = pool_.size();
    result_->sum_.for_each([&](auto leaf, auto& out) {
      using T = typename std::remove_cvref_t<decltype(out)>::value_type;
      const optim::part mine{t, n_threads};
      const std::size_t n = out.size(), begin = mine.begin(n), end = mine.end(n);
      bool first = true;
      for (std::size_t s = 0; s < weights_.size(); ++s) {
        if (weights_[s] == 0) continue;
        detail::add_weighted<T>(out.data(), spaces_[s]->gradients_view().as_tensor(leaf).data(), static_cast<T>(weights_[s] / total),
                        begin, end, first);
        first = false;
      }
      if (first)
        for (std::size_t i = begin; i < end; ++i) out.data()[i] = T{};
    });
  }
  thread_pool& pool_;
  Loss loss_;
  std::vector<std::unique_ptr<workspace_t>> spaces_;
  std::vector<double> weights_, values_;
  std::unique_ptr<gradients> result_;
  bool direct_ = false;
};

}  // namespace ctgrad

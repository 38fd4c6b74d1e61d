// Stochastic gradient descent, as in PyTorch's torch.optim.SGD (dampening 0):
//
//   g = grad + weight_decay * p
//   v = momentum * v + g           (only with momentum; v starts at zero)
//   p = p - lr * (momentum ? v : g)
//
//   optim::SGD opt{0.1};                                   // plain: no state
//   optim::SGD opt{net, {.lr = 0.1, .momentum = 0.9}};     // velocity buffers shaped like net
//   opt.step(net, g);                                      // g = grad(loss, at(net, ...))
//   opt.begin_step(); opt.step_part(net, g, {t, n});       // the same, in n parts (optimizer.hpp)
#pragma once

#include <cstddef>
#include <stdexcept>
#include <type_traits>

#include "ctgrad/math/scalar.hpp"
#include "ctgrad/nn/parameters.hpp"
#include "ctgrad/optim/optimizer.hpp"

namespace ctgrad::optim {

struct sgd_options {
  double lr = 0.01;
  double momentum = 0;
  double weight_decay = 0;
};

// Params is the model's parameter_set when the optimizer keeps momentum; void for plain SGD.
namespace detail {
// One parameter's update, elements [first, last), without and with momentum: functions of
// the element type alone, compiled once, not once for every parameter of every model.
template <class T>
struct sgd_step {
  T lr, wd, mu;
  constexpr void update(T* p, const T* g, std::size_t first, std::size_t last) const {
    for (std::size_t i = first; i < last; ++i) p[i] -= lr * (g[i] + wd * p[i]);
  }
  constexpr void update(T* p, T* velocity, const T* g, std::size_t first, std::size_t last) const {
    for (std::size_t i = first; i < last; ++i) {
      velocity[i] = math::flush_subnormal(mu * velocity[i] + (g[i] + wd * p[i]));  // see adam.hpp
      p[i] -= lr * velocity[i];
    }
  }
};
}  // namespace detail

template <class Params = void>
class SGD {
 public:
  sgd_options options;

  constexpr explicit SGD(double lr) : SGD(sgd_options{.lr = lr}) {}
  constexpr explicit SGD(sgd_options o) : options(o) {
    if constexpr (std::is_void_v<Params>)
      if (o.momentum != 0)
        throw std::invalid_argument("ctgrad: optim::SGD: momentum needs state shaped like the model: SGD{model, options}");
  }
  template <nn::model M>
  constexpr SGD(const M&, sgd_options o) : options(o) {}

  template <nn::model M, class G>
  constexpr void step(M& model, const G& g) {
    begin_step();
    step_part(model, g, part{});
  }
  // SGD keeps no per-step counter (see optimizer.hpp, part)
  constexpr void begin_step() {}

  // the momentum buffers, shaped like the model: what a checkpoint saves and restores
  constexpr auto& velocity()
    requires(!std::is_void_v<Params>)
  {
    return velocity_;
  }
  constexpr const auto& velocity() const
    requires(!std::is_void_v<Params>)
  {
    return velocity_;
  }
  template <nn::model M, class G>
  constexpr void step_part(M& model, const G& g, part part) {
    static_assert(std::is_void_v<Params> || std::is_same_v<Params, nn::parameters_of<M>>,
                  "ctgrad: optim::SGD: this optimizer was made for a model with other parameters");
    detail::for_each_parameter(model.params(), g, [&](auto leaf, auto& p, const auto& grad) {
      using T = typename decltype(leaf)::value_type;
      const detail::sgd_step<T> s{static_cast<T>(options.lr), static_cast<T>(options.weight_decay),
                                  static_cast<T>(options.momentum)};
      const std::size_t first = part.begin(p.size()), last = part.end(p.size());
      if constexpr (std::is_void_v<Params>)
        s.update(p.data(), grad.data(), first, last);
      else
        s.update(p.data(), velocity_[leaf].data(), grad.data(), first, last);
    });
  }

 private:
  struct no_state {};
  [[no_unique_address]] std::conditional_t<std::is_void_v<Params>, no_state, Params> velocity_{};
};

SGD(double) -> SGD<void>;
SGD(sgd_options) -> SGD<void>;
template <nn::model M>
SGD(const M&, sgd_options) -> SGD<nn::parameters_of<M>>;

}  // namespace ctgrad::optim

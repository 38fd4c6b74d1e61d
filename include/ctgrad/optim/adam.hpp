// Adam (Kingma & Ba 2015, Algorithm 1), as in PyTorch's torch.optim.Adam:
//
//   g = grad + weight_decay * p                    (L2 penalty, not AdamW)
//   m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2
//   p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
//
//   optim::Adam opt{net, {.lr = 1e-3}};   opt.step(net, g);
//   opt.begin_step(); opt.step_part(net, g, {t, n});    // the same, in n parts (optimizer.hpp)
//
// m and v are flushed to zero below the smallest normal number (math::flush_subnormal):
// for a parameter whose gradient stays 0 they decay through the subnormal range, where
// arithmetic is some hundred times slower.
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/math/scalar.hpp"
#include "ctgrad/nn/parameters.hpp"
#include "ctgrad/optim/optimizer.hpp"

namespace ctgrad::optim {

struct adam_options {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
};

namespace detail {
// One parameter's update, elements [first, last): a function of the element type alone, so
// its vectorised loop is compiled once, not once for every parameter of every model.
template <class T>
struct adam_step {
  T b1, b2, wd, eps, step_size, v_scale;
  constexpr void update(T* p, T* m, T* v, const T* g, std::size_t first, std::size_t last) const {
    for (std::size_t i = first; i < last; ++i) {
      const T gi = g[i] + wd * p[i];
      m[i] = math::flush_subnormal(b1 * m[i] + (1 - b1) * gi);
      v[i] = math::flush_subnormal(b2 * v[i] + (1 - b2) * gi * gi);
      p[i] -= step_size * m[i] / (math::sqrt_nonnegative(v[i] * v_scale) + eps);
    }
  }
};
}  // namespace detail

template <class Params>
class Adam {
 public:
  adam_options options;

  template <nn::model M>
  constexpr explicit Adam(const M&, adam_options o = {}) : options(o) {}

  // steps taken so far (t in the paper)
  constexpr std::size_t steps() const { return t_; }

  // The state a checkpoint saves: the moments m and v, shaped like the model, and steps().
  // restore_steps(t) recomputes beta^t by the same products t steps took, so with the
  // moments copied back a resumed run continues bit for bit.
  constexpr Params& first_moments() { return m_; }
  constexpr const Params& first_moments() const { return m_; }
  constexpr Params& second_moments() { return v_; }
  constexpr const Params& second_moments() const { return v_; }
  constexpr void restore_steps(std::size_t t) {
    t_ = 0;
    beta1_t_ = beta2_t_ = 1;
    for (std::size_t i = 0; i < t; ++i) begin_step();
  }

  template <nn::model M, class G>
  constexpr void step(M& model, const G& g) {
    begin_step();
    step_part(model, g, part{});
  }
  // counts the step, for the bias correction; then step_part for each part (optimizer.hpp)
  constexpr void begin_step() {
    ++t_;
    beta1_t_ *= options.beta1;
    beta2_t_ *= options.beta2;
  }
  template <nn::model M, class G>
  constexpr void step_part(M& model, const G& g, part part) {
    static_assert(std::is_same_v<Params, nn::parameters_of<M>>,
                  "ctgrad: optim::Adam: this optimizer was made for a model with other parameters");
    detail::for_each_parameter(model.params(), g, [&](auto leaf, auto& p, const auto& grad) {
      using T = typename decltype(leaf)::value_type;
      const detail::adam_step<T> a{static_cast<T>(options.beta1), static_cast<T>(options.beta2),
                                   static_cast<T>(options.weight_decay), static_cast<T>(options.eps),
                                   static_cast<T>(options.lr / (1 - beta1_t_)), static_cast<T>(1 / (1 - beta2_t_))};
      a.update(p.data(), m_[leaf].data(), v_[leaf].data(), grad.data(), part.begin(p.size()), part.end(p.size()));
    });
  }

 private:
  Params m_{}, v_{};
  std::size_t t_ = 0;
  double beta1_t_ = 1, beta2_t_ = 1;  // beta^t, for the bias correction
};

template <nn::model M>
Adam(const M&, adam_options) -> Adam<nn::parameters_of<M>>;
template <nn::model M>
Adam(const M&) -> Adam<nn::parameters_of<M>>;

}  // namespace ctgrad::optim

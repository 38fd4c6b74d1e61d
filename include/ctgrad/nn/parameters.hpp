// The parameters of a model: one tensor per parameter leaf, looked up by the leaf.
//
//   nn::parameter_set<W_leaf, b_leaf> p;
//   p[W] = ...;                          // tensor<float, Out, In>
//   p.for_each([](auto leaf, auto& t) { ... });
//   at(p, X = x)                         // binds every parameter (by reference)
//
// Models (nn::Linear, nn::MLP, your own) hold one and expose it as params(); optimizer
// state (momentum, Adam moments) is a parameter_set of the same type, so a step is a loop
// over matching tensors and nothing is allocated.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "ctgrad/core/random.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/expr/binding.hpp"
#include "ctgrad/expr/expression.hpp"
#include "ctgrad/math/scalar.hpp"

namespace ctgrad::nn {

// (their first home; they live in core/random.hpp, below the data layer too)
using ctgrad::random_engine;
using ctgrad::stream_seed;

namespace detail {
template <class Leaf>
using parameter_tensor = tensor_for<typename Leaf::value_type, typename Leaf::shape_type>;

template <class Leaf>
struct parameter_slot {
  parameter_tensor<Leaf> value{};  // zeros until initialised or loaded
  constexpr bool operator==(const parameter_slot&) const = default;
};

template <class... L>
constexpr bool names_unique() {
  constexpr const char* n[] = {L::name.c_str()..., nullptr};
  auto same = [](const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
  };
  for (std::size_t i = 0; i < sizeof...(L); ++i)
    for (std::size_t j = i + 1; j < sizeof...(L); ++j)
      if (same(n[i], n[j])) return false;
  return true;
}
}  // namespace detail

template <class... L>
class parameter_set : detail::parameter_slot<L>... {
  static_assert((ctgrad::detail::is_leaf<L> && ...), "ctgrad: parameter_set holds leaves (var<...>)");
  static_assert(detail::names_unique<L...>(), "ctgrad: two parameters of one model share a name");

 public:
  static constexpr std::size_t count = sizeof...(L);
  // total number of scalars
  static constexpr std::size_t scalars = (std::size_t{0} + ... + L::shape_type::size);

  template <class Leaf>
  static constexpr bool contains(const Leaf& = {}) {
    return (std::is_same_v<Leaf, L> || ...);
  }

  template <class Leaf>
  constexpr auto& operator[](const Leaf&) {
    static_assert(contains<Leaf>(), "ctgrad: this leaf is not a parameter of the model");
    return static_cast<detail::parameter_slot<Leaf>&>(*this).value;
  }
  template <class Leaf>
  constexpr const auto& operator[](const Leaf&) const {
    static_assert(contains<Leaf>(), "ctgrad: this leaf is not a parameter of the model");
    return static_cast<const detail::parameter_slot<Leaf>&>(*this).value;
  }

  // f(leaf) for each parameter's leaf, in declaration order (no values needed)
  template <class F>
  static constexpr void for_each_leaf(F&& f) {
    (f(L{}), ...);
  }

  // f(leaf, tensor) for each parameter, in declaration order
  template <class F>
  constexpr void for_each(F&& f) {
    (f(L{}, (*this)[L{}]), ...);
  }
  template <class F>
  constexpr void for_each(F&& f) const {
    (f(L{}, (*this)[L{}]), ...);
  }

  // every parameter bound by reference, for at(...)
  constexpr auto bindings() const {
    return ctgrad::bindings<binding<L, ctgrad::detail::by_reference<detail::parameter_tensor<L>>>...>{
        {{&(*this)[L{}]}}...};
  }

  // a parameter_set is a model of its own (see below)
  constexpr parameter_set& params() { return *this; }
  constexpr const parameter_set& params() const { return *this; }

  constexpr bool operator==(const parameter_set&) const = default;

  // Gradients a user adds up or scales (over chunks of a data set, say) live in a
  // parameter_set too, and an optimizer steps with one as with the gradients of a grad():
  //   auto sum = nn::parameters_of<Net>{};   sum += ws.grad(...);   sum *= 1.0 / n;
  //   opt.step(net, sum);
  template <class Leaf>
  constexpr const auto& as_tensor(const Leaf& leaf) const {
    return (*this)[leaf];
  }
  // adds g's gradient of every parameter (g: a grad() result, or another parameter_set)
  template <class G>
    requires(requires(const G& g) { g.as_tensor(L{}); } && ...)
  constexpr parameter_set& operator+=(const G& g) {
    for_each([&](auto leaf, auto& t) {
      const auto& d = g.as_tensor(leaf);
      for (std::size_t i = 0; i < t.size(); ++i) t.flat(i) += d.flat(i);
    });
    return *this;
  }
  constexpr parameter_set& operator*=(double k) {
    for_each([&](auto leaf, auto& t) {
      using T = typename decltype(leaf)::value_type;
      for (auto& v : t) v *= static_cast<T>(k);
    });
    return *this;
  }
  // every parameter zero
  constexpr void zero() {
    for_each([](auto, auto& t) {
      for (auto& v : t) v = {};
    });
  }
};

// What every model shares: it holds a parameter_set, exposes it as params(), and binds it
// in at(model, ...). Linear and MLP derive from it; so can a model of your own.
template <class P>
class parameter_owner {
 public:
  constexpr P& params() { return params_; }
  constexpr const P& params() const { return params_; }
  constexpr auto bindings() const { return params_.bindings(); }

 protected:
  P params_;
};

namespace detail {
template <class T>
struct is_parameter_set : std::false_type {};
template <class... L>
struct is_parameter_set<parameter_set<L...>> : std::true_type {};
}  // namespace detail

// A model: anything holding a parameter_set, exposed as params() (a parameter_set is one).
template <class M>
concept model = requires(M& m, const M& cm) {
  requires detail::is_parameter_set<std::remove_cvref_t<decltype(m.params())>>::value;
  { m.params() } -> std::same_as<std::remove_cvref_t<decltype(m.params())>&>;
  { cm.params() } -> std::same_as<const std::remove_cvref_t<decltype(m.params())>&>;
};

// The parameter_set type of a model.
template <model M>
using parameters_of = std::remove_cvref_t<decltype(std::declval<M&>().params())>;

// How weights start. Weights are the parameters of rank >= 2 ([Out, In...]); biases (rank
// < 2) start at zero, except with uniform01.
enum class init {
  kaiming_uniform,  // U(-b, b), b = sqrt(6 / fan_in): keeps ReLU activations' variance
  xavier_uniform,   // U(-b, b), b = sqrt(6 / (fan_in + fan_out)): for tanh/sigmoid
  uniform01,        // U[0, 1) for every weight and bias: the tutorial's random.random()
};

// Fills every parameter from its own stream (seed and the parameter's name), so the values
// do not depend on how many other parameters a model has or in which order they come.
template <class... L>
constexpr void initialize(parameter_set<L...>& p, std::uint64_t seed, init scheme = init::kaiming_uniform) {
  p.for_each([&](auto leaf, auto& t) {
    using Leaf = decltype(leaf);
    using T = typename Leaf::value_type;
    using S = typename Leaf::shape_type;
    random_engine rng(stream_seed(seed, Leaf::name.c_str()));
    if (scheme == init::uniform01) {
      for (auto& v : t) v = static_cast<T>(rng.uniform());
      return;
    }
    if constexpr (S::rank >= 2) {
      const double fan_out = static_cast<double>(S::dim(0));
      const double fan_in = static_cast<double>(S::size) / fan_out;
      const double bound =
          math::sqrt(scheme == init::kaiming_uniform ? 6.0 / fan_in : 6.0 / (fan_in + fan_out));
      for (auto& v : t) v = static_cast<T>(rng.uniform(-bound, bound));
    } else {
      for (auto& v : t) v = T{};
    }
  });
}

}  // namespace ctgrad::nn

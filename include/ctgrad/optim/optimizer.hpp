// What every optimizer step shares: matching a model's parameters with the gradients of
// one grad() call, checked at compile time.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/engine/checks.hpp"
#include "ctgrad/engine/gradients.hpp"
#include "ctgrad/expr/diagnostics.hpp"
#include "ctgrad/nn/parameters.hpp"

namespace ctgrad::optim {

// Part `index` of `count` of every parameter's elements: [n index / count, n (index + 1) / count)
// of a parameter of n elements. An optimizer's step is begin_step() once, then
// step_part(model, g, part) for the parts in any order, on any threads: data_parallel runs
// part t on thread t, right after that thread has summed the same part of the gradient.
// The parts of a step give exactly the whole step (each element is updated on its own).
struct part {
  std::size_t index = 0, count = 1;
  constexpr std::size_t begin(std::size_t n) const { return n * index / count; }
  constexpr std::size_t end(std::size_t n) const { return n * (index + 1) / count; }
};

namespace detail {
template <class G, class... L>
constexpr auto missing_gradient(const nn::parameter_set<L...>*) {
  constexpr bool missing[] = {!G::template contains<L>()..., false};
  constexpr std::size_t i = [&] {
    std::size_t k = 0;
    while (k < sizeof...(L) && !missing[k]) ++k;
    return k;
  }();
  if constexpr (i == sizeof...(L)) {
    return std::type_identity<void>{};
  } else {
    using Leaf = std::tuple_element_t<i, std::tuple<L...>>;
    return std::type_identity<invalid<error_kind::model_mismatch,
                                      fixed_string("optimizer step: no gradient for parameter ") +
                                          ctgrad::detail::leaf_description<Leaf>() +
                                          fixed_string(" (gradients of another model, or wrt(...) left it out)")>>{};
  }
}

// Calls f(leaf, parameter tensor, gradient tensor) for each parameter of the model,
// after checking that the gradients have every one of them.
template <class P, class G, class F>
constexpr void for_each_parameter(P& params, const G& g, F&& f) {
  using problem = typename decltype(missing_gradient<G>(static_cast<P*>(nullptr)))::type;
  if constexpr (!std::is_void_v<problem>) {
    ctgrad::detail::report<problem>();
  } else {
    params.for_each([&](auto leaf, auto& p) { f(leaf, p, g.as_tensor(leaf)); });
  }
}
}  // namespace detail

}  // namespace ctgrad::optim

// The trainer's evaluation: included by model_*.cpp, which instantiate it once per model.
#pragma once

#include "trainer.hpp"

namespace trainer {

template <class Net>
double evaluate(const Net& net, const data::split& s, confusion* matrix) {
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

}  // namespace trainer

// The trainer's evaluation: included by model_*.cpp, which instantiate it once per model.
#pragma once

#include "loss.hpp"
#include "trainer.hpp"

namespace trainer {

template <class Net>
double evaluate(const Net& net, const data::split& s, confusion* matrix) {
  // rows per batch: LeNet stores tens of kB of values a row, so larger batches only spill
  // the caches and grow the workspace
  constexpr std::size_t E = 100;
  // the training expression, without gradients: its forward pass is the training's code
  using loss_t = batch_loss<Net>;
  static const auto loss = loss_t::make(loss_kind::cross_entropy);
  static const auto logits = Net::apply(loss_t::X);
  static tensor<float, dyn, Net::in_features> x;
  static tensor<int, dyn> y;
  static auto ws = std::make_unique<workspace<typename loss_t::type, wrt_t<>>>(E);
  x.reserve(E);
  y.reserve(E);
  data::batches<dyn, Net::in_features> b(s, 0, E);
  if (matrix) *matrix = {};
  std::size_t correct = 0;
  for (std::size_t i = 0; i < b.count(); ++i) {
    const std::size_t rows = b.fill(i, x, y);
    ws->value(loss, at(net, loss_t::X = x, loss_t::labels = y));
    const auto& z = ws->stored_value(logits);
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t predicted = nn::argmax(z, r);
      correct += static_cast<int>(predicted) == y[r];
      if (matrix) ++(*matrix)[static_cast<std::size_t>(y[r])][predicted];
    }
  }
  return static_cast<double>(correct) / static_cast<double>(s.count);
}

}  // namespace trainer

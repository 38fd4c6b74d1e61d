// Evaluation helpers on computed values (tensors, not expressions).
//
//   nn::argmax(logits)            tensor<int, B> of each row's largest entry (first on ties)
//   nn::accuracy(logits, labels)  fraction of rows whose argmax equals the label
#pragma once

#include <cstddef>

#include "ctgrad/core/tensor.hpp"

namespace ctgrad::nn {

template <class T, std::size_t C>
constexpr std::size_t argmax(const tensor<T, C>& row) {
  std::size_t best = 0;
  for (std::size_t c = 1; c < C; ++c)
    if (row.flat(c) > row.flat(best)) best = c;
  return best;
}

template <class T, std::size_t B, std::size_t C>
constexpr tensor<int, B> argmax(const tensor<T, B, C>& logits) {
  tensor<int, B> out{};
  for (std::size_t b = 0; b < B; ++b) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < C; ++c)
      if (logits(b, c) > logits(b, best)) best = c;
    out.flat(b) = static_cast<int>(best);
  }
  return out;
}

// how many rows' argmax equals the label
template <class T, std::size_t B, std::size_t C, class L>
constexpr std::size_t correct(const tensor<T, B, C>& logits, const tensor<L, B>& labels) {
  const auto predicted = argmax(logits);
  std::size_t n = 0;
  for (std::size_t b = 0; b < B; ++b) n += predicted.flat(b) == static_cast<int>(labels.flat(b));
  return n;
}

template <class T, std::size_t B, std::size_t C, class L>
constexpr double accuracy(const tensor<T, B, C>& logits, const tensor<L, B>& labels) {
  return static_cast<double>(correct(logits, labels)) / static_cast<double>(B);
}

}  // namespace ctgrad::nn

// Evaluation helpers on computed values (tensors, not expressions).
//
//   nn::argmax(row)                 index of a [C] tensor's largest entry (first on ties)
//   nn::argmax(logits, r)           the same for row r of [B, C] logits
//   nn::argmax(logits)              tensor<int, B> of every row's
//   nn::correct(logits, labels)     how many rows' argmax equals the label
//   nn::accuracy(logits, labels)    that count over the rows
// The logits are a tensor<T, B, C> or, with a dynamic batch (B = dyn), a tensor<T, dyn, C> or
// a workspace's value (a tensor_span); only argmax(logits) of a dynamic batch allocates.
#pragma once

#include <cstddef>
#include <string>

#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tensor.hpp"

namespace ctgrad::nn {

// [B, C] values read with flat(i); with B = dyn also rows()
template <class M>
concept logits_matrix = requires(const M& m) {
  typename M::shape_type;
  m.flat(std::size_t{});
} && M::shape_type::rank == 2 && M::shape_type::dims[1] != dyn;

namespace detail {
template <class M>
constexpr std::size_t rows_of(const M& m) {
  if constexpr (M::shape_type::dims[0] == dyn)
    return m.rows();
  else
    return M::shape_type::dims[0];
}
}  // namespace detail

template <class T, std::size_t C>
constexpr std::size_t argmax(const tensor<T, C>& row) {
  std::size_t best = 0;
  for (std::size_t c = 1; c < C; ++c)
    if (row.flat(c) > row.flat(best)) best = c;
  return best;
}

template <logits_matrix M>
constexpr std::size_t argmax(const M& logits, std::size_t r) {
  constexpr std::size_t C = M::shape_type::dims[1];
  std::size_t best = 0;
  for (std::size_t c = 1; c < C; ++c)
    if (logits.flat(r * C + c) > logits.flat(r * C + best)) best = c;
  return best;
}

template <logits_matrix M>
constexpr tensor<int, M::shape_type::dims[0]> argmax(const M& logits) {
  const std::size_t rows = detail::rows_of(logits);
  tensor<int, M::shape_type::dims[0]> out{};
  if constexpr (M::shape_type::dims[0] == dyn) out.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) out.flat(r) = static_cast<int>(argmax(logits, r));
  return out;
}

template <logits_matrix M, class Labels>
constexpr std::size_t correct(const M& logits, const Labels& labels) {
  constexpr std::size_t B = M::shape_type::dims[0];
  static_assert(B == dyn || Labels::shape_type::dims[0] == dyn || Labels::shape_type::dims[0] == B,
                "ctgrad: nn::correct: the labels have another number of rows than the logits");
  const std::size_t rows = detail::rows_of(logits);
  if (detail::rows_of(labels) != rows)
    throw shape_error("nn::correct: the logits have " + std::to_string(rows) + " rows, the labels " +
                      std::to_string(detail::rows_of(labels)));
  std::size_t n = 0;
  for (std::size_t r = 0; r < rows; ++r) n += static_cast<int>(argmax(logits, r)) == static_cast<int>(labels.flat(r));
  return n;
}

template <logits_matrix M, class Labels>
constexpr double accuracy(const M& logits, const Labels& labels) {
  const std::size_t rows = detail::rows_of(logits);
  return rows == 0 ? 0.0 : static_cast<double>(correct(logits, labels)) / static_cast<double>(rows);
}

}  // namespace ctgrad::nn

// Mini-batches of a split as tensors: images [B, D] as floats in [0, 1], labels [B] as int.
//
//   data::batches<64, 784> batches(d.train, seed);     // allocates its index once
//   for (int epoch = 0; ...) {
//     batches.shuffle(epoch);                          // a new order, from (seed, epoch)
//     for (std::size_t i = 0; i < batches.count(); ++i) {
//       std::size_t rows = batches.fill(i, x, y);      // no allocation
//       ...
//
// The last batch keeps the remainder (60000 = 937 x 64 + 32): its missing rows are zeros
// with the label ctgrad::ignore_label, which nn::cross_entropy leaves out of the loss and
// its mean, so one compiled batch size serves every batch. fill() returns the real rows.
//
// With a dynamic batch (tensors of shape [dyn, D]) the batch size is a run-time value and
// nothing is padded: the last batch has its true rows.
//
//   data::batches<dyn, 784> batches(d.train, seed, 100);
//   tensor<float, dyn, 784> x; tensor<int, dyn> y;   x.reserve(100); y.reserve(100);
//   std::size_t rows = batches.fill(i, x, y);          // resized to the rows, no allocation
//   batches.fill(i, x, y, 50, 50);                     // rows 50..99 of batch i (a shard)
#pragma once

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "ctgrad/core/labels.hpp"
#include "ctgrad/core/random.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/data/mnist.hpp"

namespace ctgrad::data {

template <std::size_t B, std::size_t D, class T = float>
class batches {
 public:
  batches(const split& s, std::uint64_t seed)
    requires(B != dyn)
      : split_(&s), seed_(seed), batch_(B), order_(s.count) {
    require_pixels(s, D);
    std::iota(order_.begin(), order_.end(), std::uint32_t{0});
  }
  // batches of a size chosen at run time (B == dyn)
  batches(const split& s, std::uint64_t seed, std::size_t batch)
    requires(B == dyn)
      : split_(&s), seed_(seed), batch_(batch), order_(s.count) {
    require_pixels(s, D);
    if (batch == 0) throw data_error(s.images_file + ": a batch needs at least one row");
    std::iota(order_.begin(), order_.end(), std::uint32_t{0});
  }

  std::size_t batch_size() const { return batch_; }
  std::size_t count() const { return (split_->count + batch_ - 1) / batch_; }

  // a fresh permutation for this epoch (Fisher-Yates), the same for the same (seed, epoch)
  void shuffle(std::uint64_t epoch) {
    std::iota(order_.begin(), order_.end(), std::uint32_t{0});
    random_engine rng(stream_seed(seed_ ^ (0x9e3779b97f4a7c15ULL * (epoch + 1)), "shuffle"));
    for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng.below(static_cast<std::uint32_t>(i))]);
  }

  // rows [first, first + count) of batch i (as far as the batch goes) into x and y, which
  // take that many rows; returns them
  std::size_t fill(std::size_t i, tensor<T, dyn, D>& x, tensor<int, dyn>& y, std::size_t first = 0,
                   std::size_t count = ~std::size_t{0}) const
    requires(B == dyn)
  {
    const std::size_t begin = i * batch_, end = begin + batch_ < split_->count ? begin + batch_ : split_->count;
    const std::size_t from = begin + first < end ? begin + first : end;
    const std::size_t rows = end - from < count ? end - from : count;
    x.resize(rows);
    y.resize(rows);
    for (std::size_t r = 0; r < rows; ++r) y[r] = copy_item(order_[from + r], &x(r, 0));
    return rows;
  }

  // batch i into x and y; returns how many rows are real (B except maybe for the last)
  std::size_t fill(std::size_t i, tensor<T, B, D>& x, tensor<int, B>& y) const
    requires(B != dyn)
  {
    const std::size_t first = i * B;
    const std::size_t rows = first + B <= split_->count ? B : split_->count - first;
    for (std::size_t r = 0; r < rows; ++r) y(r) = copy_item(order_[first + r], &x(r, 0));
    for (std::size_t r = rows; r < B; ++r) {
      T* out = &x(r, 0);
      for (std::size_t k = 0; k < D; ++k) out[k] = T{};
      y(r) = ignore_label;
    }
    return rows;
  }

 private:
  // item's pixels, scaled to [0, 1], into out[0, D); returns its label
  int copy_item(std::size_t item, T* out) const {
    constexpr T scale = T(1) / T(255);
    const unsigned char* px = split_->image(item);
    for (std::size_t k = 0; k < D; ++k) out[k] = static_cast<T>(px[k]) * scale;
    return split_->label(item);
  }

  const split* split_;
  std::uint64_t seed_;
  std::size_t batch_;
  std::vector<std::uint32_t> order_;
};

}  // namespace ctgrad::data

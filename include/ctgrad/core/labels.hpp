// Class labels: the label that marks a row to leave out. The data layer writes it into the
// padding rows of a last, partial batch; nn::cross_entropy skips such rows (like PyTorch's
// ignore_index).
#pragma once

namespace ctgrad {

inline constexpr int ignore_label = -1;

}  // namespace ctgrad

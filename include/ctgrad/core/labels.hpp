// Class labels: the label that marks a row to leave out. The data layer writes it into the
// padding rows of a last, partial batch; nn::cross_entropy skips such rows (like PyTorch's
// ignore_index), and so do nn::nll_loss and one_hot (a row of zeros).
#pragma once

#include <cstddef>
#include <exception>

namespace ctgrad {

inline constexpr int ignore_label = -1;

// A class label outside [0, number of classes) (other than ignore_label): bad data,
// reported instead of read out of bounds. what() names the operation.
class label_out_of_range : public std::exception {
 public:
  explicit label_out_of_range(const char* message = "ctgrad: a label is outside [0, number of classes)")
      : message_(message) {}
  const char* what() const noexcept override { return message_; }

 private:
  const char* message_;
};

namespace detail {
// The class of label v among C: C for ignore_label, label_out_of_range(message) for any other
// label outside [0, C).
template <std::size_t C, class V>
constexpr std::size_t class_of(V v, const char* message) {
  if (v == ignore_label) return C;
  if (v < 0 || static_cast<std::size_t>(v) >= C) throw label_out_of_range(message);
  return static_cast<std::size_t>(v);
}
}  // namespace detail

}  // namespace ctgrad

// Class labels: the label that marks a row to leave out. The data layer writes it into the
// padding rows of a last, partial batch; nn::cross_entropy skips such rows (like PyTorch's
// ignore_index), and so do nn::nll_loss and one_hot (a row of zeros).
#pragma once

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

}  // namespace ctgrad

// The trainer's MLP 784-256-128-10: its training step and evaluation (model.hpp).
#include "model.hpp"

namespace trainer {
std::unique_ptr<network> make_784_256_128_10(const options& o) {
  return std::make_unique<network_of<nn::MLP<784, 256, 128, 10>>>(o);
}
}  // namespace trainer

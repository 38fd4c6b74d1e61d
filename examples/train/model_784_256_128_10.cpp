// The trainer's instantiations for MLP 784-256-128-10 (every batch size and loss).
#include "trainer.hpp"

namespace trainer {
int run_784_256_128_10(const options& o, const data::dataset& d) { return run<nn::MLP<784, 256, 128, 10>>(o, d); }
}  // namespace trainer

// The trainer's run() for MLP 784-256-128-10; with its training loop.
#include "run.hpp"

namespace trainer {
int run_784_256_128_10(const options& o, const data::dataset& d) { return run<nn::MLP<784, 256, 128, 10>>(o, d); }
template double evaluate<nn::MLP<784, 256, 128, 10>>(const nn::MLP<784, 256, 128, 10>&, const data::split&, confusion*);
}  // namespace trainer

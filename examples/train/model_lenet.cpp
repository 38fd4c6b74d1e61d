// The trainer's LeNet-5 (as PyTorch's tutorial writes it, with padding 2 on the
// first convolution so 28x28 images keep their size): conv 6@5x5, ReLU, max-pool 2,
// conv 16@5x5, ReLU, max-pool 2, Linear 400-120-84-10. The trainer's rows of 784 pixels
// become [N, 1, 28, 28] first.
#include "model.hpp"

namespace trainer {

struct lenet : nn::Sequential<nn::Unflatten<1, 28, 28>, nn::Conv2d<1, 6, 5, 1, 2>, nn::ReLU, nn::MaxPool2d<2>,
                              nn::Conv2d<6, 16, 5>, nn::ReLU, nn::MaxPool2d<2>, nn::Flatten, nn::Linear<400, 120>,
                              nn::ReLU, nn::Linear<120, 84>, nn::ReLU, nn::Linear<84, 10>> {
  static constexpr std::size_t in_features = 784;
  using Sequential::Sequential;
};

std::unique_ptr<network> make_lenet(const options& o) { return std::make_unique<network_of<lenet>>(o); }

}  // namespace trainer

// One SGD training step of MLP 784-128-10 (ReLU, softmax cross-entropy, batch 64, float):
// ctgrad (nn::MLP, grad, optim::SGD) against two hand-written forward and backward passes
// of the same network, in the same process, interleaved:
//
//   hand        the products through the same kernels ctgrad uses (detail::gemm), bias,
//               ReLU, softmax and the update as loops: what ctgrad's machinery (schedule,
//               workspace, fused views, optimizer) costs on top of its kernels
//               -> `ratio mlp_step ctgrad/hand`
//   hand_plain  plain loops only, W1 kept transposed so every product is an axpy over
//               contiguous memory (the layout a person writing the loops would pick)
//               -> `ratio mlp_step ctgrad/hand_plain`
//
// Neither computes a gradient for the input.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>

#include <ctgrad/ctgrad.hpp>

#include "../alloc_counter.hpp"
#include "timing.hpp"

using namespace ctgrad;

namespace {

constexpr std::size_t B = 64, In = 784, H = 128, Out = 10;
constexpr float lr = 0.1f;

void sgd_update(float* w, const float* dw, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) w[i] -= lr * dw[i];
}

// the rest of the SGD update, the same in both hand-written steps: W2 and the biases
template <class Hand>
void update_bias(Hand& h) {
  for (std::size_t j = 0; j < H; ++j) {
    float s = 0;
    for (std::size_t b = 0; b < B; ++b) s += h.dh[b][j];
    h.b1[j] -= lr * s;
  }
  sgd_update(&h.w2[0][0], &h.dw2[0][0], Out * H);
  for (std::size_t o = 0; o < Out; ++o) {
    float s = 0;
    for (std::size_t b = 0; b < B; ++b) s += h.dz[b][o];
    h.b2[o] -= lr * s;
  }
}

// The same step with the kernels ctgrad uses for the products.
struct hand_kernels {
  float w1[H][In], b1[H], w2[Out][H], b2[Out];
  float h[B][H], z[B][Out], dz[B][Out], dh[B][H], dw1[H][In], dw2[Out][H];

  void step(const float (&x)[B][In], const int (&label)[B]) {
    using ctgrad::detail::gemm;
    gemm<false, true, false>(B, H, In, &x[0][0], &w1[0][0], &h[0][0]);  // x W1^T
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t j = 0; j < H; ++j) h[b][j] = std::max(h[b][j] + b1[j], 0.0f);
    gemm<false, true, false>(B, Out, H, &h[0][0], &w2[0][0], &z[0][0]);  // h W2^T
    for (std::size_t b = 0; b < B; ++b) {
      float m = z[b][0] += b2[0];
      for (std::size_t o = 1; o < Out; ++o) m = std::max(m, z[b][o] += b2[o]);
      float sum = 0;
      for (std::size_t o = 0; o < Out; ++o) sum += (dz[b][o] = std::exp(z[b][o] - m));
      for (std::size_t o = 0; o < Out; ++o)
        dz[b][o] = (dz[b][o] / sum - (static_cast<int>(o) == label[b] ? 1.0f : 0.0f)) / static_cast<float>(B);
    }
    gemm<true, false, false>(Out, H, B, &dz[0][0], &h[0][0], &dw2[0][0]);  // dz^T h
    gemm<false, false, false>(B, H, Out, &dz[0][0], &w2[0][0], &dh[0][0]);  // dz W2
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t j = 0; j < H; ++j) dh[b][j] = h[b][j] > 0 ? dh[b][j] : 0;
    gemm<true, false, false>(H, In, B, &dh[0][0], &x[0][0], &dw1[0][0]);  // dh^T x
    sgd_update(&w1[0][0], &dw1[0][0], H * In);
    update_bias(*this);
  }
};

// Plain loops only.
struct hand_mlp {
  float w1t[In][H];  // W1 transposed
  float b1[H];
  float w2[Out][H];
  float b2[Out];
  // activations and gradients, kept between steps like a workspace
  float h[B][H];
  float z[B][Out];
  float dz[B][Out];
  float dh[B][H];
  float dw1t[In][H];
  float dw2[Out][H];

  void step(const float (&x)[B][In], const int (&label)[B]) {
    // h = relu(x W1^T + b1)
    for (std::size_t b = 0; b < B; ++b) {
      for (std::size_t j = 0; j < H; ++j) h[b][j] = b1[j];
      for (std::size_t k = 0; k < In; ++k) {
        const float xk = x[b][k];
        for (std::size_t j = 0; j < H; ++j) h[b][j] += xk * w1t[k][j];
      }
      for (std::size_t j = 0; j < H; ++j) h[b][j] = h[b][j] > 0 ? h[b][j] : 0;
    }
    // z = h W2^T + b2; dz = (softmax(z) - onehot) / B
    for (std::size_t b = 0; b < B; ++b) {
      for (std::size_t o = 0; o < Out; ++o) {
        float s = b2[o];
        for (std::size_t j = 0; j < H; ++j) s += h[b][j] * w2[o][j];
        z[b][o] = s;
      }
      float m = z[b][0];
      for (std::size_t o = 1; o < Out; ++o) m = std::max(m, z[b][o]);
      float sum = 0;
      for (std::size_t o = 0; o < Out; ++o) sum += (dz[b][o] = std::exp(z[b][o] - m));
      for (std::size_t o = 0; o < Out; ++o)
        dz[b][o] = (dz[b][o] / sum - (static_cast<int>(o) == label[b] ? 1.0f : 0.0f)) / static_cast<float>(B);
    }
    // dW2 = dz^T h, db2 = sum dz, dh = (dz W2) * (h > 0)
    for (std::size_t o = 0; o < Out; ++o)
      for (std::size_t j = 0; j < H; ++j) dw2[o][j] = 0;
    for (std::size_t b = 0; b < B; ++b) {
      for (std::size_t j = 0; j < H; ++j) dh[b][j] = 0;
      for (std::size_t o = 0; o < Out; ++o) {
        const float d = dz[b][o];
        for (std::size_t j = 0; j < H; ++j) {
          dw2[o][j] += d * h[b][j];
          dh[b][j] += d * w2[o][j];
        }
      }
      for (std::size_t j = 0; j < H; ++j) dh[b][j] = h[b][j] > 0 ? dh[b][j] : 0;
    }
    // dW1^T = x^T dh, and the updates
    for (std::size_t k = 0; k < In; ++k)
      for (std::size_t j = 0; j < H; ++j) dw1t[k][j] = 0;
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t k = 0; k < In; ++k) {
        const float xk = x[b][k];
        for (std::size_t j = 0; j < H; ++j) dw1t[k][j] += xk * dh[b][j];
      }
    sgd_update(&w1t[0][0], &dw1t[0][0], In * H);
    update_bias(*this);
  }
};

using Net = nn::MLP<In, H, Out>;
constexpr auto X = input<"X", float, B, In>;
constexpr auto labels = input<"labels", int, B>;
const auto loss = nn::cross_entropy(Net::apply(X), labels);
using Loss = std::remove_cvref_t<decltype(loss)>;
// the same step with the batch a run-time value (64 rows bound)
constexpr auto Xd = input<"X", float, dyn, In>;
constexpr auto labels_d = input<"labels", int, dyn>;
const auto loss_d = nn::cross_entropy(Net::apply(Xd), labels_d);
using LossD = std::remove_cvref_t<decltype(loss_d)>;

// W1 as the hand-written steps store it
float& w1_of(hand_mlp& h, std::size_t j, std::size_t k) { return h.w1t[k][j]; }
float& w1_of(hand_kernels& h, std::size_t j, std::size_t k) { return h.w1[j][k]; }

template <class Hand>
void copy_weights(const Net& net, Hand& hand) {
  const auto& p = net.params();
  for (std::size_t j = 0; j < H; ++j) {
    for (std::size_t k = 0; k < In; ++k) w1_of(hand, j, k) = p[Net::layer<0>::W](j, k);
    hand.b1[j] = p[Net::layer<0>::b](j);
  }
  for (std::size_t o = 0; o < Out; ++o) {
    for (std::size_t j = 0; j < H; ++j) hand.w2[o][j] = p[Net::layer<1>::W](o, j);
    hand.b2[o] = p[Net::layer<1>::b](o);
  }
}

// largest difference between the two models' parameters, relative to the largest weight
template <class Hand>
double difference(const Net& net, Hand& hand) {
  const auto& p = net.params();
  double worst = 0, scale = 0;
  auto see = [&](float a, float b) {
    worst = std::max(worst, static_cast<double>(std::abs(a - b)));
    scale = std::max(scale, static_cast<double>(std::abs(b)));
  };
  for (std::size_t j = 0; j < H; ++j) {
    for (std::size_t k = 0; k < In; ++k) see(p[Net::layer<0>::W](j, k), w1_of(hand, j, k));
    see(p[Net::layer<0>::b](j), hand.b1[j]);
  }
  for (std::size_t o = 0; o < Out; ++o) {
    for (std::size_t j = 0; j < H; ++j) see(p[Net::layer<1>::W](o, j), hand.w2[o][j]);
    see(p[Net::layer<1>::b](o), hand.b2[o]);
  }
  return worst / scale;
}

}  // namespace

int main() {
  std::mt19937_64 rng(2026);
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  auto x = std::make_unique<tensor<float, B, In>>();
  auto x_hand = std::make_unique<float[][In]>(B);
  tensor<int, B> y{};
  int y_hand[B];
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t k = 0; k < In; ++k) x_hand[b][k] = (*x)(b, k) = pixel(rng);
    y_hand[b] = y(b) = static_cast<int>(rng() % Out);
  }

  auto net = std::make_unique<Net>(7);
  auto ws = std::make_unique<workspace<Loss>>();
  optim::SGD opt{lr};
  auto hand = std::make_unique<hand_kernels>();
  auto plain = std::make_unique<hand_mlp>();
  copy_weights(*net, *hand);
  copy_weights(*net, *plain);

  const auto& xh = *reinterpret_cast<const float(*)[B][In]>(x_hand.get());
  auto ctgrad_step = [&] {
    opt.step(*net, ws->grad(loss, at(*net, X = *x, labels = y)));
    bench::escape(net.get());
  };
  auto net_d = std::make_unique<Net>(7);
  auto ws_d = std::make_unique<workspace<LossD>>(B);
  tensor<float, dyn, In> x_d(B);
  tensor<int, dyn> y_d(B);
  for (std::size_t i = 0; i < x_d.size(); ++i) x_d.flat(i) = x->flat(i);
  for (std::size_t i = 0; i < B; ++i) y_d[i] = y[i];
  auto dynamic_step = [&] {
    opt.step(*net_d, ws_d->grad(loss_d, at(*net_d, Xd = x_d, labels_d = y_d)));
    bench::escape(net_d.get());
  };
  auto hand_step = [&] {
    hand->step(xh, y_hand);
    bench::escape(hand.get());
  };
  auto plain_step = [&] {
    plain->step(xh, y_hand);
    bench::escape(plain.get());
  };

  // all take three steps from the same weights and must agree up to float rounding
  const std::size_t before = test::allocations;
  for (int i = 0; i < 3; ++i) ctgrad_step();
  const std::size_t allocs = test::allocations - before;
  for (int i = 0; i < 3; ++i) hand_step(), plain_step(), dynamic_step();
  const double diff = std::max(difference(*net, *hand), difference(*net, *plain));
  if (!(net->params() == net_d->params())) {
    std::printf("MISMATCH: the dynamic batch's steps differ from the static batch's\n");
    return 1;
  }
  std::printf("after 3 steps: largest parameter difference %.2e (relative to the largest weight)\n", diff);
  if (!(diff < 1e-5)) {
    std::printf("MISMATCH: ctgrad and the hand-written steps disagree\n");
    return 1;
  }

  auto report = [&](const char* name, const bench::pair_timing& t) {
    std::printf("mlp_step  ctgrad %7.1f us (quartiles %.1f-%.1f)  %-10s %7.1f us (quartiles %.1f-%.1f)\n",
                t.first.median / 1e3, t.first.q1 / 1e3, t.first.q3 / 1e3, name, t.second.median / 1e3,
                t.second.q1 / 1e3, t.second.q3 / 1e3);
    std::printf("ratio mlp_step ctgrad/%s %.2f\n", name, t.ratio());
  };
  report("hand", bench::interleaved(ctgrad_step, hand_step, 20));
  {
    const auto t = bench::interleaved(dynamic_step, ctgrad_step, 20);
    std::printf("mlp_step  dynamic batch %7.1f us (quartiles %.1f-%.1f)  static batch %7.1f us\n", t.first.median / 1e3,
                t.first.q1 / 1e3, t.first.q3 / 1e3, t.second.median / 1e3);
    std::printf("ratio mlp_step dynamic/static %.3f\n", t.ratio());
  }
  report("hand_plain", bench::interleaved(ctgrad_step, plain_step, 10, 15));
  std::printf("allocations per ctgrad step: %zu\n", allocs / 3);
  return allocs == 0 ? 0 : 1;
}

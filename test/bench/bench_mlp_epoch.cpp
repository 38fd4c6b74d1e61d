// One training epoch of the contract workload (docs/benchmarks.md, section B): MLP 784-128-10, ReLU,
// softmax cross-entropy, plain SGD lr 0.1, batch 64 (the last partial batch kept),
// Fashion-MNIST. Each variant trains its own copy of the same initial model over the
// same shuffled batches; the variants take turns epoch by epoch, and the medians are
// compared:
//
//   ctgrad          nn::MLP, data_parallel on one thread, products through BLAS if built with it
//   ctgrad_noblas   the same with blas::enable(false): ctgrad's own product kernels
//   hand_blas       a hand-written forward and backward pass, products by cblas_sgemm
//   threads2        ctgrad on two threads (32 rows each per step)
//   dynamic         ctgrad with the batch a run-time value (as the trainer runs it): the
//                   last batch has its 32 rows, no padding
//
// and prints `ratio mlp_epoch ctgrad/hand_blas`, `ctgrad_noblas/hand_blas`,
// `threads2/threads1` and `dynamic/static` (epoch times: below 1 is faster). Without BLAS the hand-written
// reference uses ctgrad's kernels and the ratios say so. Without the dataset it skips.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include <ctgrad/ctgrad.hpp>
#include <ctgrad/data/batches.hpp>
#include <ctgrad/data/mnist.hpp>
#include <ctgrad/parallel/data_parallel.hpp>

using namespace ctgrad;

namespace {

constexpr std::size_t B = 64, In = 784, H = 128, Out = 10;
constexpr float lr = 0.1f;
using Net = nn::MLP<In, H, Out>;

template <std::size_t S>
struct shard_loss {
  static constexpr auto X = input<"X", float, S, In>;
  static constexpr auto labels = input<"labels", int, S>;
  static auto make() { return nn::cross_entropy(Net::apply(X), labels); }
};

// ctgrad's training loop as the trainer runs it: S rows per thread and step
template <std::size_t S>
class ctgrad_trainer {
 public:
  ctgrad_trainer(thread_pool& pool, const Net& init, const data::split& train)
      : pool_(pool), net_(std::make_unique<Net>(init)), dp_(pool, *net_, shard_loss<S>::make()), shards_(train, 1) {
    for (std::size_t t = 0; t < pool.size(); ++t) in_.push_back(std::make_unique<inputs>());
  }
  void epoch(std::uint64_t e) {
    shards_.shuffle(e);
    const std::size_t threads = pool_.size(), steps = (shards_.count() + threads - 1) / threads;
    for (std::size_t i = 0; i < steps; ++i) {
      dp_.step(
          [&](std::size_t t) {
            inputs& s = *in_[t];
            const std::size_t index = i * threads + t;
            const std::size_t rows = index < shards_.count() ? shards_.fill(index, s.x, s.y) : 0;
            return shard(static_cast<double>(rows), at(*net_, shard_loss<S>::X = s.x, shard_loss<S>::labels = s.y));
          },
          *net_, sgd_);
    }
  }
  const Net& net() const { return *net_; }

 private:
  struct inputs {
    tensor<float, S, In> x;
    tensor<int, S> y;
  };
  thread_pool& pool_;
  std::unique_ptr<Net> net_;
  data_parallel<Net, decltype(shard_loss<S>::make())> dp_;
  data::batches<S, In> shards_;
  std::vector<std::unique_ptr<inputs>> in_;
  optim::SGD<> sgd_{lr};
};

struct dynamic_loss {
  static constexpr auto X = input<"X", float, dyn, In>;
  static constexpr auto labels = input<"labels", int, dyn>;
  static auto make() { return nn::cross_entropy(Net::apply(X), labels); }
};

// the same with a dynamic batch, as examples/train runs it (one thread)
class dynamic_trainer {
 public:
  dynamic_trainer(thread_pool& pool, const Net& init, const data::split& train)
      : net_(std::make_unique<Net>(init)), dp_(pool, *net_, dynamic_loss::make(), B), batches_(train, 1, B) {
    x_.reserve(B);
    y_.reserve(B);
  }
  void epoch(std::uint64_t e) {
    batches_.shuffle(e);
    for (std::size_t i = 0; i < batches_.count(); ++i) {
      dp_.step(
          [&](std::size_t) {
            const std::size_t rows = batches_.fill(i, x_, y_);
            return shard(static_cast<double>(rows), at(*net_, dynamic_loss::X = x_, dynamic_loss::labels = y_));
          },
          *net_, sgd_);
    }
  }
  const Net& net() const { return *net_; }

 private:
  std::unique_ptr<Net> net_;
  data_parallel<Net, decltype(dynamic_loss::make())> dp_;
  data::batches<dyn, In> batches_;
  tensor<float, dyn, In> x_;
  tensor<int, dyn> y_;
  optim::SGD<> sgd_{lr};
};

// c[M,N] = op(a) op(b): cblas_sgemm when available, else ctgrad's kernel
template <bool TA, bool TB>
void product(std::size_t M, std::size_t N, std::size_t K, const float* a, const float* b, float* c) {
#if defined(CTGRAD_USE_CBLAS)
  cblas_sgemm(CblasRowMajor, TA ? CblasTrans : CblasNoTrans, TB ? CblasTrans : CblasNoTrans, static_cast<int>(M),
              static_cast<int>(N), static_cast<int>(K), 1.0f, a, static_cast<int>(TA ? M : K), b,
              static_cast<int>(TB ? K : N), 0.0f, c, static_cast<int>(N));
#else
  detail::gemm_packed<TA, TB, false>(M, N, K, a, b, c);
#endif
}

// The hand-written step: three products per layer except the unneeded input gradient
struct hand_trainer {
  float w1[H][In], b1[H], w2[Out][H], b2[Out];
  float x[B][In], h[B][H], z[B][Out], dz[B][Out], dh[B][H], dw1[H][In], dw2[Out][H];
  int y[B];
  data::batches<B, In> batches;
  std::unique_ptr<tensor<float, B, In>> xt = std::make_unique<tensor<float, B, In>>();
  tensor<int, B> yt{};

  hand_trainer(const Net& init, const data::split& train) : batches(train, 1) {
    const auto& p = init.params();
    for (std::size_t j = 0; j < H; ++j) {
      for (std::size_t k = 0; k < In; ++k) w1[j][k] = p[Net::layer<0>::W](j, k);
      b1[j] = p[Net::layer<0>::b](j);
    }
    for (std::size_t o = 0; o < Out; ++o) {
      for (std::size_t j = 0; j < H; ++j) w2[o][j] = p[Net::layer<1>::W](o, j);
      b2[o] = p[Net::layer<1>::b](o);
    }
  }

  void step(std::size_t rows) {
    product<false, true>(B, H, In, &x[0][0], &w1[0][0], &h[0][0]);  // x W1^T
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t j = 0; j < H; ++j) h[b][j] = std::max(h[b][j] + b1[j], 0.0f);
    product<false, true>(B, Out, H, &h[0][0], &w2[0][0], &z[0][0]);  // h W2^T
    for (std::size_t b = 0; b < B; ++b) {
      if (b >= rows) {  // padding rows: no loss, no gradient
        for (std::size_t o = 0; o < Out; ++o) dz[b][o] = 0;
        continue;
      }
      float m = z[b][0] += b2[0];
      for (std::size_t o = 1; o < Out; ++o) m = std::max(m, z[b][o] += b2[o]);
      float sum = 0;
      for (std::size_t o = 0; o < Out; ++o) sum += (dz[b][o] = std::exp(z[b][o] - m));
      for (std::size_t o = 0; o < Out; ++o)
        dz[b][o] = (dz[b][o] / sum - (static_cast<int>(o) == y[b] ? 1.0f : 0.0f)) / static_cast<float>(rows);
    }
    product<true, false>(Out, H, B, &dz[0][0], &h[0][0], &dw2[0][0]);   // dz^T h
    product<false, false>(B, H, Out, &dz[0][0], &w2[0][0], &dh[0][0]);  // dz W2
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t j = 0; j < H; ++j) dh[b][j] = h[b][j] > 0 ? dh[b][j] : 0;
    product<true, false>(H, In, B, &dh[0][0], &x[0][0], &dw1[0][0]);  // dh^T x
    for (std::size_t j = 0; j < H; ++j) {
      for (std::size_t k = 0; k < In; ++k) w1[j][k] -= lr * dw1[j][k];
      float s = 0;
      for (std::size_t b = 0; b < B; ++b) s += dh[b][j];
      b1[j] -= lr * s;
    }
    for (std::size_t o = 0; o < Out; ++o) {
      for (std::size_t j = 0; j < H; ++j) w2[o][j] -= lr * dw2[o][j];
      float s = 0;
      for (std::size_t b = 0; b < B; ++b) s += dz[b][o];
      b2[o] -= lr * s;
    }
  }

  void epoch(std::uint64_t e) {
    batches.shuffle(e);
    for (std::size_t i = 0; i < batches.count(); ++i) {
      const std::size_t rows = batches.fill(i, *xt, yt);
      std::copy(&(*xt)(0, 0), &(*xt)(0, 0) + B * In, &x[0][0]);  // the data as the hand-written code keeps it
      for (std::size_t b = 0; b < B; ++b) y[b] = yt(b);
      step(rows);
    }
  }
};

template <class Trainer>
double test_accuracy(const Trainer& t, const data::split& test) {
  std::size_t correct = 0;
  constexpr auto X = input<"X", float, 1, In>;
  const auto logits = Net::apply(X);
  tensor<float, 1, In> x;
  for (std::size_t i = 0; i < test.count; ++i) {
    for (std::size_t k = 0; k < In; ++k) x(0, k) = static_cast<float>(test.image(i)[k]) / 255.0f;
    const auto z = value(logits, at(t.net(), X = x));
    correct += nn::argmax(z)(0) == test.label(i);
  }
  return static_cast<double>(correct) / static_cast<double>(test.count);
}

struct stats {
  double median, low, high;
};
stats summarise(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return {t[t.size() / 2], t.front(), t.back()};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir)) {
    std::printf("no dataset at %s (Debian: dataset-fashion-mnist): skipped\n", dir.c_str());
    return 77;
  }
  blas::use_one_thread();
  const data::dataset d = data::load_mnist(dir, Out);
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 7;

  const Net init(1);
  thread_pool one{1}, two{2};
  auto ctgrad1 = std::make_unique<ctgrad_trainer<B>>(one, init, d.train);
  auto ctgrad_own = std::make_unique<ctgrad_trainer<B>>(one, init, d.train);
  auto ctgrad2 = std::make_unique<ctgrad_trainer<B / 2>>(two, init, d.train);
  auto ctgrad2_own = std::make_unique<ctgrad_trainer<B / 2>>(two, init, d.train);
  auto hand = std::make_unique<hand_trainer>(init, d.train);
  auto dynamic = std::make_unique<dynamic_trainer>(one, init, d.train);

  const bool with_blas = blas::available;
  struct variant {
    const char* name;
    std::function<void(std::uint64_t)> epoch;
    std::vector<double> seconds;
  };
  std::vector<variant> variants;
  variants.push_back({"ctgrad", [&](std::uint64_t e) { blas::enable(true); ctgrad1->epoch(e); }, {}});
  variants.push_back({"ctgrad_noblas", [&](std::uint64_t e) { blas::enable(false); ctgrad_own->epoch(e); }, {}});
  variants.push_back({"hand", [&](std::uint64_t e) { hand->epoch(e); }, {}});
  variants.push_back({"threads2", [&](std::uint64_t e) { blas::enable(true); ctgrad2->epoch(e); }, {}});
  variants.push_back({"threads2_noblas", [&](std::uint64_t e) { blas::enable(false); ctgrad2_own->epoch(e); }, {}});
  variants.push_back({"dynamic", [&](std::uint64_t e) { blas::enable(true); dynamic->epoch(e); }, {}});

  std::printf("mlp_epoch: MLP 784-128-10, batch 64, SGD lr 0.1, %zu images, %d timed epochs each; hand-written products: %s\n",
              d.train.count, rounds, with_blas ? "cblas_sgemm" : "ctgrad's kernels (no BLAS in this build)");
  for (int r = 0; r <= rounds; ++r)  // round 0 warms up
    for (std::size_t k = 0; k < variants.size(); ++k) {
      auto& v = variants[(k + static_cast<std::size_t>(r)) % variants.size()];  // rotate who goes first
      const auto t0 = std::chrono::steady_clock::now();
      v.epoch(static_cast<std::uint64_t>(r));
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (r > 0) v.seconds.push_back(s);
    }
  blas::enable(true);
  for (auto& v : variants) {
    const stats s = summarise(v.seconds);
    std::printf("mlp_epoch %-14s median %.3f s  (min %.3f, max %.3f)\n", v.name, s.median, s.low, s.high);
  }
  const double t_ctgrad = summarise(variants[0].seconds).median, t_own = summarise(variants[1].seconds).median;
  const double t_hand = summarise(variants[2].seconds).median, t_two = summarise(variants[3].seconds).median;
  const char* hand_name = with_blas ? "hand_blas" : "hand_ownkernels";
  std::printf("ratio mlp_epoch ctgrad/%s %.2f\n", hand_name, t_ctgrad / t_hand);
  std::printf("ratio mlp_epoch ctgrad_noblas/%s %.2f\n", hand_name, t_own / t_hand);
  std::printf("ratio mlp_epoch threads2/threads1 %.2f  (a %.2fx speed-up)\n", t_two / t_ctgrad, t_ctgrad / t_two);
  const double t_two_own = summarise(variants[4].seconds).median;
  std::printf("ratio mlp_epoch threads2_noblas/threads1_noblas %.2f  (a %.2fx speed-up)\n", t_two_own / t_own, t_own / t_two_own);
  std::printf("ratio mlp_epoch dynamic/static %.3f\n", summarise(variants[5].seconds).median / t_ctgrad);

  // the four trained the same model on the same batches: their accuracies must agree
  const double a1 = test_accuracy(*ctgrad1, d.test), a2 = test_accuracy(*ctgrad_own, d.test),
               a3 = test_accuracy(*ctgrad2, d.test), a4 = test_accuracy(*dynamic, d.test);
  std::printf("test accuracy after %d epochs: ctgrad %.4f, ctgrad_noblas %.4f, threads2 %.4f, dynamic %.4f\n", rounds + 1,
              a1, a2, a3, a4);
  const bool agree = std::abs(a1 - a2) < 0.02 && std::abs(a1 - a3) < 0.02 && std::abs(a1 - a4) < 0.02 && a1 > 0.8;
  if (!agree) std::printf("MISMATCH: the variants trained to different accuracies\n");
  return agree ? 0 : 1;
}

// Trains an MLP on an MNIST-format dataset (Fashion-MNIST by default) and reports the test
// accuracy. Run with --help for the options.
//
// The architecture and the batch size are compile-time types (the expression, its
// workspace and its schedule follow from them); --model and --batch pick one of the
// instantiations below. Data loading and set-up allocate; the training loop does not.
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include <ctgrad/ctgrad.hpp>
#include <ctgrad/data/batches.hpp>
#include <ctgrad/data/mnist.hpp>
#include <ctgrad/nn/serialize.hpp>
#include <ctgrad/nn/summary.hpp>

using namespace ctgrad;

namespace {

constexpr std::size_t classes = 10;

struct options {
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::string model = "784-256-128-10";
  int epochs = 10;
  bool epochs_given = false;
  std::size_t batch = 64;
  double lr = 0.001;
  bool lr_given = false;
  std::string optimizer = "adam";
  double momentum = 0;
  std::string schedule;  // constant or cosine; default: cosine for adam, constant for sgd
  std::string loss = "cross-entropy";
  std::uint64_t seed = 1;
  int threads = 1;
  std::string save, load;
  bool quiet = false;
};

const char* usage = R"(usage: train [options]

Trains a multi-layer perceptron on an MNIST-format dataset and prints the test accuracy.

  --data DIR           directory with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
                       t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]
                       (default /usr/share/datasets/fashion-mnist)
  --model NAME         784-256-128-10 (default) or 784-128-10
  --epochs N           passes over the training set (default 10; 0 with --load: evaluate only)
  --batch B            32, 64 (default), 128 or 256
  --optimizer NAME     adam (default) or sgd
  --lr X               learning rate (default 0.001 for adam, 0.1 for sgd)
  --momentum X         SGD momentum (default 0)
  --lr-schedule NAME   constant or cosine (the learning rate falls to 0 over the epochs, epoch
                       by epoch); default cosine for adam, constant for sgd
  --loss NAME          cross-entropy (default) or squared (one-hot targets, as in the tutorial)
  --seed S             initialisation and shuffling seed (default 1)
  --threads T          1 (more threads are not supported yet)
  --save FILE          write the trained weights to FILE
  --load FILE          start from the weights in FILE (without --epochs: evaluate them)
  --quiet              only the final accuracy
  --help               this text

Example: train --model 784-128-10 --optimizer sgd --lr 0.1 --batch 64 --epochs 10
)";

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "train: %s\n(see train --help)\n", what.c_str());
  std::exit(2);
}

double parse_number(const std::string& flag, const std::string& text, double lo, double hi) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(v))
    usage_error(flag + " needs a number, got '" + text + "'");
  if (v < lo || v > hi) usage_error(flag + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + text);
  return v;
}
long parse_integer(const std::string& flag, const std::string& text, long lo, long hi) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0) usage_error(flag + " needs a whole number, got '" + text + "'");
  if (v < lo || v > hi) usage_error(flag + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + text);
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i], value;
    const auto eq = flag.find('=');
    const bool inline_value = flag.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inline_value) value = flag.substr(eq + 1), flag = flag.substr(0, eq);
    auto next = [&]() -> std::string {
      if (inline_value) return value;
      if (i + 1 >= argc) usage_error(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h") {
      std::fputs(usage, stdout);
      std::exit(0);
    } else if (flag == "--data") {
      o.data = next();
    } else if (flag == "--model") {
      o.model = next();
      if (o.model != "784-128-10" && o.model != "784-256-128-10")
        usage_error("--model must be 784-128-10 or 784-256-128-10, got '" + o.model + "'");
    } else if (flag == "--epochs") {
      o.epochs = static_cast<int>(parse_integer(flag, next(), 0, 100000));
      o.epochs_given = true;
    } else if (flag == "--batch") {
      o.batch = static_cast<std::size_t>(parse_integer(flag, next(), 1, 1 << 20));
      if (o.batch != 32 && o.batch != 64 && o.batch != 128 && o.batch != 256)
        usage_error("--batch must be 32, 64, 128 or 256 (batch sizes are compiled in), got " + std::to_string(o.batch));
    } else if (flag == "--optimizer") {
      o.optimizer = next();
      if (o.optimizer != "sgd" && o.optimizer != "adam") usage_error("--optimizer must be sgd or adam, got '" + o.optimizer + "'");
    } else if (flag == "--lr") {
      o.lr = parse_number(flag, next(), 1e-12, 1e3);
      o.lr_given = true;
    } else if (flag == "--momentum") {
      o.momentum = parse_number(flag, next(), 0, 0.9999);
    } else if (flag == "--lr-schedule") {
      o.schedule = next();
      if (o.schedule != "constant" && o.schedule != "cosine")
        usage_error("--lr-schedule must be constant or cosine, got '" + o.schedule + "'");
    } else if (flag == "--loss") {
      o.loss = next();
      if (o.loss != "cross-entropy" && o.loss != "squared")
        usage_error("--loss must be cross-entropy or squared, got '" + o.loss + "'");
    } else if (flag == "--seed") {
      o.seed = static_cast<std::uint64_t>(parse_integer(flag, next(), 0, 0x7fffffffffffffffL));
    } else if (flag == "--threads") {
      o.threads = static_cast<int>(parse_integer(flag, next(), 1, 1024));
      if (o.threads != 1) usage_error("--threads: only 1 thread is supported so far");
    } else if (flag == "--save") {
      o.save = next();
    } else if (flag == "--load") {
      o.load = next();
    } else if (flag == "--quiet") {
      o.quiet = true;
    } else {
      usage_error("unknown option '" + std::string(argv[i]) + "'");
    }
  }
  if (!o.lr_given && o.optimizer == "sgd") o.lr = 0.1;
  if (o.schedule.empty()) o.schedule = o.optimizer == "adam" ? "cosine" : "constant";
  if (o.momentum != 0 && o.optimizer != "sgd") usage_error("--momentum applies to --optimizer sgd");
  if (!o.load.empty() && !o.epochs_given) o.epochs = 0;
  return o;
}

// A progress bar on a terminal; nothing between epoch lines otherwise.
class progress {
 public:
  explicit progress(bool enabled) : enabled_(enabled && ::isatty(STDOUT_FILENO)) {}
  void update(std::size_t done, std::size_t total) {
    if (!enabled_) return;
    const int percent = static_cast<int>(100 * done / total);
    if (percent == last_) return;
    last_ = percent;
    char bar[41];
    const int filled = percent * 40 / 100;
    for (int i = 0; i < 40; ++i) bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    bar[40] = '\0';
    std::printf("\r[%s] %3d%%", bar, percent);
    std::fflush(stdout);
  }
  void clear() {
    if (enabled_) std::printf("\r%60s\r", "");
    last_ = -1;
  }

 private:
  bool enabled_;
  int last_ = -1;
};

using confusion = std::array<std::array<std::size_t, classes>, classes>;

// Accuracy of the model on a split, and its confusion matrix (rows: true class).
template <class Net>
double evaluate(const Net& net, const data::split& s, confusion* matrix = nullptr) {
  constexpr std::size_t E = 500;
  constexpr auto X = input<"X", float, E, Net::in_features>;
  static const auto logits = Net::apply(X);
  static auto x = std::make_unique<tensor<float, E, Net::in_features>>();
  static tensor<int, E> y{};
  static auto ws = std::make_unique<workspace<std::remove_cvref_t<decltype(logits)>, wrt_t<>>>();
  data::batches<E, Net::in_features> b(s, 0);
  if (matrix) *matrix = {};
  std::size_t correct = 0;
  for (std::size_t i = 0; i < b.count(); ++i) {
    const std::size_t rows = b.fill(i, *x, y);
    const auto& z = ws->value(logits, at(net, X = *x));
    const auto predicted = nn::argmax(z);
    for (std::size_t r = 0; r < rows; ++r) {
      correct += predicted(r) == y(r);
      if (matrix) ++(*matrix)[static_cast<std::size_t>(y(r))][static_cast<std::size_t>(predicted(r))];
    }
  }
  return static_cast<double>(correct) / static_cast<double>(s.count);
}

enum class loss_kind { cross_entropy, squared };

// The loss of one batch. Squared: 1/2 sum over the rows of |p - onehot|^2, each real row
// weighted 1/rows (so it is a mean) and padding rows 0.
template <class Net, std::size_t B, loss_kind L>
struct batch_loss {
  static constexpr auto X = input<"X", float, B, Net::in_features>;
  static constexpr auto labels = input<"labels", int, B>;
  static constexpr auto onehot = input<"onehot", float, B, classes>;
  static constexpr auto weight = input<"weight", float, B, classes>;
  static auto make() {
    if constexpr (L == loss_kind::cross_entropy)
      return nn::cross_entropy(Net::apply(X), labels);
    else
      return 0.5f * sum(hadamard(square(Net::apply(X) - onehot), weight));
  }
  using type = std::remove_cvref_t<decltype(make())>;
};

template <class Net, std::size_t B, loss_kind L>
void train(Net& net, const data::dataset& d, const options& o) {
  using loss_t = batch_loss<Net, B, L>;
  using workspace_t = workspace<typename loss_t::type>;
  const auto loss = loss_t::make();
  const auto logits = Net::apply(loss_t::X);
  // with cross-entropy the logits are a stored step: the running training accuracy comes
  // from them; the squared loss fuses them away, so it evaluates the training set instead
  constexpr bool logits_stored = workspace_t::template stores<std::remove_cvref_t<decltype(logits)>>();
  auto ws = std::make_unique<workspace_t>();
  auto x = std::make_unique<tensor<float, B, Net::in_features>>();
  auto onehot = std::make_unique<tensor<float, B, classes>>();
  auto weight = std::make_unique<tensor<float, B, classes>>();
  tensor<int, B> y{};
  optim::SGD sgd{net, {.lr = o.lr, .momentum = o.momentum}};
  optim::Adam adam{net, {.lr = o.lr}};
  data::batches<B, Net::in_features> batches(d.train, o.seed);
  progress bar(!o.quiet);

  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    batches.shuffle(static_cast<std::uint64_t>(epoch));
    const double lr = o.schedule == "cosine" ? o.lr * 0.5 * (1 + std::cos(M_PI * epoch / o.epochs)) : o.lr;
    sgd.options.lr = lr;
    adam.options.lr = lr;
    double loss_sum = 0;
    std::size_t correct = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < batches.count(); ++i) {
      const std::size_t rows = batches.fill(i, *x, y);
      if constexpr (L == loss_kind::squared)
        for (std::size_t r = 0; r < B; ++r)
          for (std::size_t c = 0; c < classes; ++c) {
            (*onehot)(r, c) = r < rows && y(r) == static_cast<int>(c) ? 1.0f : 0.0f;
            (*weight)(r, c) = r < rows ? 1.0f / static_cast<float>(rows) : 0.0f;
          }
      const auto g = [&] {
        if constexpr (L == loss_kind::cross_entropy)
          return ws->grad(loss, at(net, loss_t::X = *x, loss_t::labels = y));
        else
          return ws->grad(loss, at(net, loss_t::X = *x, loss_t::onehot = *onehot, loss_t::weight = *weight));
      }();
      loss_sum += static_cast<double>(g.value()) * static_cast<double>(rows);
      if constexpr (logits_stored) {
        const auto predicted = nn::argmax(ws->stored_value(logits));
        for (std::size_t r = 0; r < rows; ++r) correct += predicted(r) == y(r);
      }
      if (o.optimizer == "sgd")
        sgd.step(net, g);
      else
        adam.step(net, g);
      bar.update(i + 1, batches.count());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bar.clear();
    if (!std::isfinite(loss_sum)) {
      std::fprintf(stderr, "train: the loss is %f in epoch %d: the learning rate %g is too large\n", loss_sum, epoch + 1, o.lr);
      std::exit(1);
    }
    const double train_acc = logits_stored ? static_cast<double>(correct) / static_cast<double>(d.train.count)
                                           : evaluate(net, d.train);
    const double test_acc = evaluate(net, d.test);
    if (!o.quiet)
      std::printf("epoch %d/%d  loss %.4f  train_acc %.4f  test_acc %.4f  %.2f s  %.0f samples/s\n", epoch + 1,
                  o.epochs, loss_sum / static_cast<double>(d.train.count), train_acc, test_acc, seconds,
                  static_cast<double>(d.train.count) / seconds);
    std::fflush(stdout);
  }
}

template <class Net>
int run(const options& o, const data::dataset& d) {
  auto net = std::make_unique<Net>(o.seed);
  if (!o.load.empty()) nn::load(*net, o.load);
  if (!o.quiet) std::printf("%s", nn::summary(*net).c_str());

  const bool squared = o.loss == "squared";
  auto with_batch = [&]<std::size_t B>() {
    if (squared)
      train<Net, B, loss_kind::squared>(*net, d, o);
    else
      train<Net, B, loss_kind::cross_entropy>(*net, d, o);
  };
  switch (o.batch) {
    case 32: with_batch.template operator()<32>(); break;
    case 64: with_batch.template operator()<64>(); break;
    case 128: with_batch.template operator()<128>(); break;
    default: with_batch.template operator()<256>(); break;
  }

  confusion matrix;
  const double accuracy = evaluate(*net, d.test, &matrix);
  if (!o.save.empty()) {
    nn::save(*net, o.save);
    if (!o.quiet) std::printf("saved the weights to %s\n", o.save.c_str());
  }
  if (!o.quiet) {
    std::printf("confusion matrix (rows: true class, columns: predicted)\n     ");
    for (std::size_t c = 0; c < classes; ++c) std::printf("%6zu", c);
    std::printf("\n");
    for (std::size_t t = 0; t < classes; ++t) {
      std::printf("%5zu", t);
      for (std::size_t c = 0; c < classes; ++c) std::printf("%6zu", matrix[t][c]);
      std::printf("\n");
    }
  }
  std::printf("test accuracy: %.4f\n", accuracy);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  try {
    const auto load_start = std::chrono::steady_clock::now();
    const data::dataset d = data::load_mnist(o.data, classes);
    if (!o.quiet)
      std::printf("%s: %zu training and %zu test images of %zux%zu, loaded in %.2f s\n", o.data.c_str(), d.train.count,
                  d.test.count, d.train.rows, d.train.cols,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count());
    data::require_pixels(d.train, 784);
    if (!o.quiet)
      std::printf("model %s, batch %zu, %s lr %g (%s)%s, loss %s, %d epochs, seed %llu\n", o.model.c_str(), o.batch,
                  o.optimizer.c_str(), o.lr, o.schedule.c_str(),
                  o.optimizer == "sgd" && o.momentum != 0 ? (" momentum " + std::to_string(o.momentum)).c_str() : "",
                  o.loss.c_str(), o.epochs, static_cast<unsigned long long>(o.seed));
    if (o.model == "784-128-10") return run<nn::MLP<784, 128, 10>>(o, d);
    return run<nn::MLP<784, 256, 128, 10>>(o, d);
  } catch (const data::data_error& e) {
    std::fprintf(stderr, "train: %s\n", e.what());
  } catch (const nn::format_error& e) {
    std::fprintf(stderr, "train: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train: %s\n", e.what());
  }
  return 1;
}

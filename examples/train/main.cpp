// Trains an MLP on an MNIST-format dataset (Fashion-MNIST by default) and reports the test
// accuracy. Run with --help for the options.
//
// The architecture is a compile-time type (the expression, its workspace and its schedule
// follow from it); --model picks one (trainer.hpp, one translation unit per model). The
// batch is dynamic: any --batch, the same compiled loop. Data loading and set-up allocate;
// the training loop does not.
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <utility>

#include <ctgrad/io/write_file.hpp>  // io::output_problem
#include <ctgrad/kernels/blas.hpp>    // blas::use_one_thread
#include <ctgrad/nn/serialize.hpp>   // nn::format_error

#include "trainer.hpp"

using namespace trainer;

namespace {

const char* usage = R"(usage: train [options]

Trains a multi-layer perceptron or LeNet on an MNIST-format dataset and prints the test
accuracy.

  --data DIR           directory with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
                       t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]
                       (default /usr/share/datasets/fashion-mnist)
  --model NAME         784-256-128-10 (default), 784-128-10, or lenet (conv 6@5x5 pad 2, ReLU,
                       max-pool 2, conv 16@5x5, ReLU, max-pool 2, Linear 400-120-84-10)
  --epochs N           passes over the training set (default 10; 0 with --load: evaluate only)
  --batch B            rows per step, 1 to 4096 (default 64); the last batch of an epoch keeps
                       what remains
  --optimizer NAME     adam (default) or sgd
  --lr X               learning rate (default 0.001 for adam, 0.1 for sgd)
  --momentum X         SGD momentum (default 0)
  --lr-schedule NAME   constant or cosine (the learning rate falls to 0 over the epochs, epoch
                       by epoch); default cosine for adam, constant for sgd
  --loss NAME          cross-entropy (default) or squared (one-hot targets, as in the tutorial)
  --seed S             initialisation and shuffling seed (default 1)
  --threads T          1 (default), 2 or 4: each thread takes its share of every batch's rows
  --plot FILE          write the test accuracy per epoch to FILE as an SVG chart
  --save FILE          write the trained weights to FILE
  --load FILE          start from the weights in FILE (without --epochs: evaluate them)
  --checkpoint FILE    after every epoch, write to FILE (atomically) what the run needs to go on:
                       the weights, the optimizer's state, the epoch, the settings
  --resume FILE        continue the run that wrote the checkpoint FILE, after its last epoch; with
                       the same options (and MPI ranks) it ends with the same weights, bit for bit,
                       as a run never stopped
  --quiet              only the final accuracy
  --distributed        under mpirun: the ranks split every batch's rows and sum their gradients
                       (MPI); rank 0 prints, plots and saves (mpirun -np 2 train --distributed ...)
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
  if (v < lo || v > hi) {
    char range[64];
    std::snprintf(range, sizeof range, "[%g, %g]", lo, hi);
    usage_error(flag + " must be in " + range + ", got " + text);
  }
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
      if (o.data.empty()) usage_error("--data needs a directory, got an empty path");
    } else if (flag == "--model") {
      o.model = next();
      if (o.model != "784-128-10" && o.model != "784-256-128-10" && o.model != "lenet")
        usage_error("--model must be 784-256-128-10, 784-128-10 or lenet, got '" + o.model + "'");
    } else if (flag == "--epochs") {
      o.epochs = static_cast<int>(parse_integer(flag, next(), 0, 100000));
      o.epochs_given = true;
    } else if (flag == "--batch") {
      o.batch = static_cast<std::size_t>(parse_integer(flag, next(), 1, 4096));
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
      if (o.threads != 1 && o.threads != 2 && o.threads != 4)
        usage_error("--threads must be 1, 2 or 4, got " + std::to_string(o.threads));
    } else if (flag == "--save") {
      o.save = next();
      if (o.save.empty()) usage_error("--save needs a file name, got an empty path");
    } else if (flag == "--load") {
      o.load = next();
      if (o.load.empty()) usage_error("--load needs a file name, got an empty path");
    } else if (flag == "--checkpoint") {
      o.checkpoint = next();
      if (o.checkpoint.empty()) usage_error("--checkpoint needs a file name, got an empty path");
    } else if (flag == "--resume") {
      o.resume = next();
      if (o.resume.empty()) usage_error("--resume needs a file name, got an empty path");
    } else if (flag == "--plot") {
      o.plot = next();
      if (o.plot.empty()) usage_error("--plot needs a file name, got an empty path");
    } else if (flag == "--quiet") {
      o.quiet = true;
    } else if (flag == "--distributed") {
      o.distributed = true;
    } else {
      usage_error("unknown option '" + std::string(argv[i]) + "'");
    }
  }
  if (!o.lr_given && o.optimizer == "sgd") o.lr = 0.1;
  if (o.schedule.empty()) o.schedule = o.optimizer == "adam" ? "cosine" : "constant";
  if (o.momentum != 0 && o.optimizer != "sgd") usage_error("--momentum applies to --optimizer sgd");
  if (!o.load.empty() && !o.epochs_given) o.epochs = 0;
  if (!o.plot.empty() && o.epochs == 0) usage_error("--plot needs at least one epoch of training");
  if (!o.resume.empty() && !o.load.empty()) usage_error("--resume and --load both set the weights: give one");
  // the outputs are checked before the work, not after it: a bad path loses no training
  const std::pair<const char*, std::string> outputs[] = {{"--save", o.save}, {"--plot", o.plot}, {"--checkpoint", o.checkpoint}};
  for (const auto& [flag, path] : outputs)
    if (!path.empty())
      if (const std::string why = io::output_problem(path); !why.empty())
        usage_error(std::string(flag) + " " + path + ": " + why);
  for (std::size_t i = 0; i < std::size(outputs); ++i)
    for (std::size_t j = i + 1; j < std::size(outputs); ++j)
      if (!outputs[i].second.empty() && outputs[i].second == outputs[j].second)
        usage_error(std::string(outputs[i].first) + " and " + outputs[j].first + " name the same file: " + outputs[i].second);
  return o;
}

// An error of this process alone. Under --distributed the other ranks would wait for it
// forever in the next collective, so the job is ended (MPI_Abort: mpirun exits non-zero).
int fail(const options& o, const std::string& what) {
  if (o.distributed) {
    std::fprintf(stderr, "train: rank %d: %s\n", o.rank, what.c_str());
#if defined(CTGRAD_TRAIN_MPI)
    MPI_Abort(MPI_COMM_WORLD, 1);
#endif
  } else {
    std::fprintf(stderr, "train: %s\n", what.c_str());
  }
  return 1;
}

#if defined(CTGRAD_TRAIN_MPI)
// Whether mpirun (Open MPI, MPICH, Slurm's PMI) started this process
bool under_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  options o = parse(argc, argv);
#if defined(CTGRAD_TRAIN_MPI)
  std::optional<mpi::environment> mpi_env;
  if (o.distributed) {
    if (!under_mpirun())
      usage_error("--distributed runs under mpirun, e.g. mpirun -np 2 " + std::string(argv[0]) + " --distributed ...");
    mpi_env.emplace(argc, argv);
    o.rank = mpi::rank();
    o.ranks = mpi::size();
    if (o.rank != 0) o.quiet = true;  // rank 0 speaks for the job
  }
#else
  if (o.distributed)
    usage_error("--distributed needs a build with MPI (meson option mpi; Debian: openmpi-bin libopenmpi-dev)");
#endif
  blas::use_one_thread();  // the trainer runs its own threads (--threads)
  try {
    const auto load_start = std::chrono::steady_clock::now();
    const data::dataset d = data::load_mnist(o.data, classes);
    if (!o.quiet)
      std::printf("%s: %zu training and %zu test images of %zux%zu, loaded in %.2f s\n", o.data.c_str(), d.train.count,
                  d.test.count, d.train.rows, d.train.cols,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count());
    data::require_image_size(d.train, 28, 28);  // the models take 28x28 images (784 pixels)
    if (!o.quiet)
      std::printf("model %s, batch %zu, %s lr %g (%s)%s, loss %s, %d epochs, seed %llu, %d thread%s%s, %s\n",
                  o.model.c_str(), o.batch,
                  o.optimizer.c_str(), o.lr, o.schedule.c_str(),
                  o.optimizer == "sgd" && o.momentum != 0 ? (" momentum " + std::to_string(o.momentum)).c_str() : "",
                  o.loss.c_str(), o.epochs, static_cast<unsigned long long>(o.seed), o.threads, o.threads == 1 ? "" : "s",
                  o.distributed ? (" on each of " + std::to_string(o.ranks) + " MPI ranks").c_str() : "",
                  blas::enabled() ? "products through BLAS" : "ctgrad's own product kernels");
    const auto net = o.model == "784-128-10" ? make_784_128_10(o) : o.model == "lenet" ? make_lenet(o) : make_784_256_128_10(o);
    return run(*net, o, d);
#if defined(CTGRAD_TRAIN_MPI)
  } catch (const mpi::mismatch& e) {  // thrown on every rank at once: one message, exit 2
    if (o.rank == 0) std::fprintf(stderr, "train: %s (was --model the same on every rank?)\n", e.what());
    return 2;
#endif
  } catch (const job_error& e) {  // met by every rank at once: one message
    if (o.rank == 0) std::fprintf(stderr, "train: %s\n", e.what());
    return 1;
  } catch (const data::data_error& e) {
    return fail(o, e.what());
  } catch (const nn::format_error& e) {
    return fail(o, e.what());
  } catch (const std::bad_alloc&) {
    return fail(o, "out of memory");
  } catch (const std::exception& e) {
    return fail(o, e.what());
  }
}

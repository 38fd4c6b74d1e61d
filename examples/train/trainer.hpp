// The trainer's pieces shared by its translation units: the options, the progress bar,
// and the declarations of what the units instantiate: run(), evaluate() and the training
// loop per model, each model in its own unit (model_*.cpp: run.hpp, evaluate.hpp,
// train_loop.hpp), so they compile in parallel.
#pragma once

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include <ctgrad/ctgrad.hpp>
#include <ctgrad/data/batches.hpp>
#include <ctgrad/data/mnist.hpp>
#include <ctgrad/nn/checkpoint.hpp>
#include <ctgrad/parallel/data_parallel.hpp>
#if defined(CTGRAD_TRAIN_MPI)  // the build found MPI: --distributed works
#include <ctgrad/parallel/mpi.hpp>
#endif
#include <vector>

namespace trainer {

using namespace ctgrad;

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
  std::string save, load, plot;
  std::string checkpoint, resume;  // --checkpoint FILE after every epoch; --resume FILE at the start
  bool quiet = false;
  bool distributed = false;  // --distributed: this process is rank `rank` of `ranks` (under mpirun)
  int rank = 0, ranks = 1;
};

// An error every rank of a --distributed job meets at once (a bad --resume file: rank 0
// reads it for all): rank 0 reports it and every rank exits, none waits for another.
struct job_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// --checkpoint and --resume, in checkpoint.cpp (compiled once, not in every model's unit):
// what a resumed run must share with the run that wrote its checkpoint (run_settings); the
// checkpoint --resume names, read (under --distributed by rank 0, for every rank) and checked
// against those settings (read_checkpoint, which throws job_error); writing one.
std::string run_settings(const options& o, const data::split& train);
nn::checkpoint read_checkpoint(const options& o, const std::string& settings);
void save_checkpoint(const nn::checkpoint& c, const std::string& path);

// --plot FILE: the test accuracy per epoch as an SVG line chart (plot.cpp)
void write_plot(const std::string& file, const std::vector<double>& test_accuracy, const options& o);


// One function per model, each in its own translation unit.
int run_784_128_10(const options& o, const data::dataset& d);
int run_784_256_128_10(const options& o, const data::dataset& d);
int run_lenet(const options& o, const data::dataset& d);

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

// Accuracy of the model on a split, and its confusion matrix (rows: true class); defined
// in evaluate.hpp, instantiated in model_*.cpp
template <class Net>
double evaluate(const Net& net, const data::split& s, confusion* matrix = nullptr);

// One training run of Net, defined in train_loop.hpp.
template <class Net>
void train(Net& net, const data::dataset& d, const options& o, thread_pool& pool, std::vector<double>& test_curve);

}  // namespace trainer

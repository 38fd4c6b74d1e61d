// The trainer's pieces shared by its translation units: the options, the files' functions,
// and `network`, a model as the training loop sees it. The loop, the evaluation's batches and
// the files are plain functions, compiled once (train_loop.cpp, files.cpp); only the code
// that depends on a model's type (its passes, its optimizer steps: model.hpp) is compiled
// per model, each model in its own unit (model_*.cpp), so they compile in parallel.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <ctgrad/core/tensor.hpp>
#include <ctgrad/data/mnist.hpp>
#include <ctgrad/nn/parameter_refs.hpp>
#include <ctgrad/parallel/thread_pool.hpp>
#if defined(CTGRAD_TRAIN_MPI)  // the build found MPI: --distributed works
#include <ctgrad/parallel/mpi.hpp>
#endif

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

// The trainer's files, in files.cpp (compiled once, not in every model's unit, which only
// passes its parameter lists, nn::refs_of):
// - what a resumed run must share with the run that wrote its checkpoint (run_settings);
// - the optimizer's state a checkpoint holds: its parameter sets by part name
//   ("sgd.velocity", or "adam.m" and "adam.v") and Adam's step count;
// - writing a checkpoint (--checkpoint); resuming from one (--resume: read, under
//   --distributed by rank 0 for every rank, checked against the settings, then the state
//   set; returns the epochs done; throws job_error);
// - the model's weights: --load, --save, and the summary printed at the start.
std::string run_settings(const options& o, const data::split& train);
struct optimizer_state {
  std::vector<std::pair<std::string, nn::parameter_refs>> sets;
  std::uint64_t adam_steps = 0;
};
void write_checkpoint(const options& o, const std::string& settings, const nn::const_parameter_refs& model,
                      const optimizer_state& optimizer, int epochs_done, const std::vector<double>& test_curve);
int resume(const options& o, const std::string& settings, const nn::parameter_refs& model, optimizer_state& optimizer,
           std::vector<double>& test_curve);
void load_weights(const nn::parameter_refs& model, const std::string& path);
void save_weights(const nn::const_parameter_refs& model, const std::string& path);
void print_summary(const nn::const_parameter_refs& model);

// --plot FILE: the test accuracy per epoch as an SVG line chart (plot.cpp)
void write_plot(const std::string& file, const std::vector<double>& test_accuracy, const options& o);


using confusion = std::array<std::array<std::size_t, classes>, classes>;

// Rows of images (784 pixels each) and their labels: one thread's shard of a batch, or a
// batch of the evaluation.
constexpr std::size_t pixels = 784;
struct shard_inputs {
  tensor<float, dyn, pixels> x;
  tensor<int, dyn> y;
  std::size_t rows = 0;
};

// A training step's inputs: thread t fills its shard of the batch, on thread t.
class batch_source {
 public:
  virtual shard_inputs& fill(std::size_t thread) = 0;  // thread's shard, filled
  virtual const shard_inputs& shard(std::size_t thread) const = 0;

 protected:
  ~batch_source() = default;
};

// A model as run() and the training loop see it. Each model's unit implements it (model.hpp).
class network {
 public:
  virtual ~network() = default;
  // the weights: --load, --save, the summary, checkpoints
  virtual nn::parameter_refs weights() = 0;
  // the predicted class of each row of in (in.rows of them)
  virtual void predict(const shard_inputs& in, std::size_t* predicted) = 0;

  // Training: prepare() once, then steps. One step: thread t's rows from batch.fill(t), the
  // gradient of the loss on the shards (summed over the ranks under --distributed) and the
  // optimizer's step. It returns the loss summed over the step's rows and how many of them
  // the logits predicted right.
  struct step_result {
    double loss_sum = 0;
    std::size_t correct = 0;
  };
  virtual void prepare(thread_pool& pool, std::size_t shard_rows) = 0;
  virtual step_result step(batch_source& batch) = 0;
  virtual void set_learning_rate(double lr) = 0;
  // the optimizer's state, for checkpoints; restore_steps sets Adam's step count after a resume
  virtual optimizer_state optimizer() = 0;
  virtual void restore_steps(std::uint64_t adam_steps) = 0;
};

// One model each, in its own translation unit (model_*.cpp).
std::unique_ptr<network> make_784_128_10(const options& o);
std::unique_ptr<network> make_784_256_128_10(const options& o);
std::unique_ptr<network> make_lenet(const options& o);

// A run (train_loop.cpp): the training loop, the final evaluation, saving, the plot.
int run(network& net, const options& o, const data::dataset& d);

}  // namespace trainer

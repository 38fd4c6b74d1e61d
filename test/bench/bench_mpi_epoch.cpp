// The contract workload (docs/benchmarks.md section B: MLP 784-128-10, ReLU, cross-entropy,
// SGD lr 0.1, global batch 64, Fashion-MNIST) for one epoch over the ranks of this MPI job,
// against the same epoch on rank 0 alone (MPI_COMM_SELF), in alternating rounds of one
// process. Each rank takes rows [rank 64 / N, (rank + 1) 64 / N) of every global batch.
// Prints per round the epoch seconds and the median milliseconds per step of the gradient
// (compute), of the wait for the slowest rank (a barrier, timed apart) and of the
// allreduce (with the packing of the gradient into its buffer and back), and at the end
//
//   ratio mpi_epoch ranksN/ranks1 <x>      medians of the rounds' epoch times
//
//   mpirun -np 2 build/test/bench_mpi_epoch [DATA_DIR] [ROUNDS]
//
// Skips (exit 77) without the dataset. docs/distributed.md turns these figures into the
// cost model for N machines.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <ctgrad/ctgrad.hpp>
#include <ctgrad/data/batches.hpp>
#include <ctgrad/data/mnist.hpp>
#include <ctgrad/parallel/mpi.hpp>

using namespace ctgrad;

namespace {

using Net = nn::MLP<784, 128, 10>;
constexpr std::size_t global_batch = 64;
constexpr auto X = input<"X", float, dyn, 784>;
constexpr auto labels = input<"labels", int, dyn>;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct epoch_result {
  double seconds, compute_ms, wait_ms, allreduce_ms, loss;
};

// one epoch over the ranks of comm, from the same initial weights (seed 1) each time
epoch_result epoch(const data::dataset& d, MPI_Comm comm) {
  const std::size_t ranks = static_cast<std::size_t>(mpi::size(comm)), me = static_cast<std::size_t>(mpi::rank(comm));
  const auto loss = nn::cross_entropy(Net::apply(X), labels);
  auto net = std::make_unique<Net>(1);
  mpi::broadcast(*net, 0, comm);
  mpi::gradient_allreduce<Net> all(*net, comm);
  optim::SGD sgd{*net, optim::sgd_options{.lr = 0.1}};
  workspace<std::remove_cvref_t<decltype(loss)>> ws(global_batch);
  tensor<float, dyn, 784> x;
  tensor<int, dyn> y;
  x.reserve(global_batch);
  y.reserve(global_batch);
  data::batches<dyn, 784> batches(d.train, 1, global_batch);
  batches.shuffle(0);
  const std::size_t first = me * global_batch / ranks, count = (me + 1) * global_batch / ranks - first;
  const nn::parameters_of<Net> none{};
  std::vector<double> compute, wait, reduce;
  compute.reserve(batches.count());
  wait.reserve(batches.count());
  reduce.reserve(batches.count());
  double loss_sum = 0;
  MPI_Barrier(comm);
  const double start = now();
  for (std::size_t i = 0; i < batches.count(); ++i) {
    const std::size_t rows = batches.fill(i, x, y, first, count);
    const double t0 = now();
    const nn::parameters_of<Net>* global = &none;
    double t1 = t0, t1b = t0;
    if (rows == 0) {  // the last batch may not reach this rank: it adds nothing
      MPI_Barrier(comm);
      t1b = now();
      global = &all(none, 0);
    } else {
      const auto& g = ws.grad(loss, at(*net, X = x, labels = y));
      t1 = now();
      MPI_Barrier(comm);  // the wait for the slowest rank, timed apart from the allreduce
      t1b = now();
      global = &all(g, static_cast<double>(rows));
    }
    const double t2 = now();
    sgd.step(*net, *global);
    compute.push_back(t1 - t0);
    wait.push_back(t1b - t1);
    reduce.push_back(t2 - t1b);
    loss_sum += all.value() * all.rows();
  }
  const double seconds = now() - start;
  return {seconds, 1e3 * median(compute), 1e3 * median(wait), 1e3 * median(reduce), loss_sum / static_cast<double>(d.train.count)};
}

}  // namespace

int main(int argc, char** argv) {
  mpi::environment env(argc, argv);
  const std::string dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  const bool root = mpi::rank() == 0;
  if (!std::filesystem::is_directory(dir)) {
    if (root) std::printf("no dataset at %s (Debian: dataset-fashion-mnist): skipped\n", dir.c_str());
    return 77;
  }
  blas::use_one_thread();
  const data::dataset d = data::load_mnist(dir);
  const int n = mpi::size();
  std::vector<double> alone, together;
  for (int r = 0; r < rounds; ++r) {
    for (int order = 0; order < 2; ++order) {
      const bool solo = (order == 0) == (r % 2 == 0);  // alternate which goes first
      if (solo) {
        if (root) {
          const epoch_result e = epoch(d, MPI_COMM_SELF);
          alone.push_back(e.seconds);
          std::printf("round %d, 1 rank:  epoch %.3f s, per step: compute %.3f ms, wait %.4f ms, allreduce %.4f ms; loss %.4f\n",
                      r + 1, e.seconds, e.compute_ms, e.wait_ms, e.allreduce_ms, e.loss);
        }
        MPI_Barrier(MPI_COMM_WORLD);
      } else {
        const epoch_result e = epoch(d, MPI_COMM_WORLD);
        together.push_back(e.seconds);
        if (root)
          std::printf("round %d, %d ranks: epoch %.3f s, per step: compute %.3f ms, wait %.4f ms, allreduce %.4f ms; loss %.4f\n",
                      r + 1, n, e.seconds, e.compute_ms, e.wait_ms, e.allreduce_ms, e.loss);
      }
      std::fflush(stdout);
    }
  }
  if (root) std::printf("ratio mpi_epoch ranks%d/ranks1 %.2f\n", n, median(together) / median(alone));
  return 0;
}

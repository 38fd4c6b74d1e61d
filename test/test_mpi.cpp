// ctgrad::mpi (include/ctgrad/parallel/mpi.hpp), run by meson under mpirun with 2 and 3
// ranks (3: uneven shards). Every rank also trains the whole batch alone, so each compares
// itself with the single-process run; ranks compare their weights with each other through
// MPI. Float weights after 20 steps agree with the single process to 2e-6 relative: only
// the summation order differs (the measured worst is printed).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include <ctgrad/ctgrad.hpp>
#include <ctgrad/parallel/data_parallel.hpp>
#include <ctgrad/parallel/mpi.hpp>

using namespace ctgrad;

namespace {

using Net = nn::MLP<6, 12, 3>;
constexpr auto X = input<"X", float, dyn, 6>;
constexpr auto labels = input<"labels", int, dyn>;
const auto loss = nn::cross_entropy(Net::apply(X), labels);
constexpr std::size_t global_rows = 31;

struct batch {
  tensor<float, dyn, 6> x;
  tensor<int, dyn> y;
};
// rows [first, last) of step s's global batch: a fixed function of (s, row)
batch rows_of(int s, std::size_t first, std::size_t last) {
  batch b{tensor<float, dyn, 6>(last - first), tensor<int, dyn>(last - first)};
  for (std::size_t r = first; r < last; ++r) {
    for (std::size_t j = 0; j < 6; ++j)
      b.x(r - first, j) = std::sin(0.37f * static_cast<float>((s + 1) * (r + 3) + 5 * j)) + 0.1f * static_cast<float>(j);
    b.y[r - first] = static_cast<int>((r * 7 + static_cast<std::size_t>(s)) % 3);
  }
  return b;
}

// this rank's rows of a global batch of n: [rank n / size, (rank + 1) n / size)
std::size_t first_row(std::size_t n) { return n * static_cast<std::size_t>(mpi::rank()) / static_cast<std::size_t>(mpi::size()); }
std::size_t last_row(std::size_t n) { return n * static_cast<std::size_t>(mpi::rank() + 1) / static_cast<std::size_t>(mpi::size()); }

// the worst relative difference between two nets' weights
double worst_difference(const Net& a, const Net& b) {
  double w = 0;
  a.params().for_each([&](auto leaf, const auto& ta) {
    const auto& tb = b.params()[leaf];
    for (std::size_t i = 0; i < ta.size(); ++i)
      w = std::max(w, std::abs(static_cast<double>(ta.flat(i)) - static_cast<double>(tb.flat(i))) /
                          (1 + std::abs(static_cast<double>(tb.flat(i)))));
  });
  return w;
}

// whether every rank holds exactly these weights
bool same_on_every_rank(const Net& net) {
  int same = 1;
  net.params().for_each([&](auto, const auto& t) {
    for (std::size_t i = 0; i < t.size(); ++i) {
      const double mine = static_cast<double>(t.flat(i));
      double lo = mine, hi = mine;
      MPI_Allreduce(&mine, &lo, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
      MPI_Allreduce(&mine, &hi, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      same &= lo == mine && hi == mine;
    }
  });
  return same != 0;
}

// 20 steps on one process and distributed; threads: the shard of each rank goes through
// data_parallel on that many threads (0: a plain grad())
template <class MakeOptimizer>
void train_both(MakeOptimizer make_optimizer, std::size_t threads) {
  auto single = std::make_unique<Net>(7);
  auto mine = std::make_unique<Net>(mpi::rank() == 0 ? 7 : 100 + mpi::rank());  // other seeds elsewhere
  mpi::broadcast(*mine);
  CHECK(worst_difference(*mine, *single) == 0);
  auto opt_single = make_optimizer(*single);
  auto opt_mine = make_optimizer(*mine);
  mpi::gradient_allreduce<Net> all(*mine);
  workspace<std::remove_cvref_t<decltype(loss)>> ws(global_rows);
  thread_pool pool{threads == 0 ? 1 : threads};
  data_parallel dp{pool, *mine, loss, global_rows};
  std::vector<batch> shards(threads);
  const std::size_t first = first_row(global_rows), last = last_row(global_rows);
  double value_difference = 0;
  for (int s = 0; s < 20; ++s) {
    const batch whole = rows_of(s, 0, global_rows);
    const auto& g1 = ws.grad(loss, at(*single, X = whole.x, labels = whole.y));
    const double single_value = static_cast<double>(g1.value());
    opt_single.step(*single, g1);

    const batch part = rows_of(s, first, last);
    if (threads == 0) {
      opt_mine.step(*mine, all(grad(loss, at(*mine, X = part.x, labels = part.y)), static_cast<double>(last - first)));
    } else {
      const std::size_t n = last - first;
      for (std::size_t t = 0; t < threads; ++t) shards[t] = rows_of(s, first + t * n / threads, first + (t + 1) * n / threads);
      const auto& g = dp.grad([&](std::size_t t) {
        return shard(static_cast<double>(shards[t].y.rows()), at(*mine, X = shards[t].x, labels = shards[t].y));
      });
      opt_mine.step(*mine, all(g, static_cast<double>(last - first)));
    }
    CHECK(all.rows() == static_cast<double>(global_rows));
    value_difference = std::max(value_difference, std::abs(all.value() - single_value) / (1 + std::abs(single_value)));
  }
  const double worst = worst_difference(*mine, *single);
  if (mpi::rank() == 0)
    std::printf("%d ranks, %zu thread(s) each: worst relative weight difference %.3g, loss value %.3g\n", mpi::size(),
                threads == 0 ? std::size_t{1} : threads, worst, value_difference);
  CHECK(worst <= 2e-6);
  CHECK(value_difference <= 1e-6);
  CHECK(same_on_every_rank(*mine));
}

}  // namespace

TEST_CASE("mpi: 20 SGD steps with momentum equal one process's") {
  train_both([](const Net& n) { return optim::SGD{n, optim::sgd_options{.lr = 0.1, .momentum = 0.9}}; }, 0);
}

TEST_CASE("mpi: 20 Adam steps equal one process's") {
  train_both([](const Net& n) { return optim::Adam{n, optim::adam_options{.lr = 0.01}}; }, 0);
}

TEST_CASE("mpi: data_parallel inside each rank, two threads") {
  train_both([](const Net& n) { return optim::SGD{n, optim::sgd_options{.lr = 0.1, .momentum = 0.9}}; }, 2);
}

TEST_CASE("mpi: a rank without rows adds nothing (a batch smaller than the ranks)") {
  Net net{3};
  mpi::gradient_allreduce<Net> all(net);
  const std::size_t n = 2, first = first_row(n), last = last_row(n);  // with 3 ranks, rank 0 has none
  const batch whole = rows_of(0, 0, n), part = rows_of(0, first, last);
  const auto& expected = grad(loss, at(net, X = whole.x, labels = whole.y));
  nn::parameters_of<Net> g{};
  if (last > first) g += grad(loss, at(net, X = part.x, labels = part.y));
  const auto& global = all(g, static_cast<double>(last - first));
  CHECK(all.rows() == 2.0);
  double worst = 0;
  global.for_each([&](auto leaf, const auto& t) {
    for (std::size_t i = 0; i < t.size(); ++i)
      worst = std::max(worst, std::abs(static_cast<double>(t.flat(i)) - static_cast<double>(expected[leaf].flat(i))));
  });
  CHECK(worst <= 1e-6);
}

TEST_CASE("mpi: ranks holding different models are told so on every rank, without a hang") {
  if (mpi::size() < 2) return;
  using Other = nn::MLP<6, 13, 3>;
  if (mpi::rank() == 0) {
    Net net{1};
    CHECK_THROWS_WITH_AS(mpi::gradient_allreduce<Net>{net}, doctest::Contains("the ranks hold different models"), mpi::mismatch);
    CHECK_THROWS_AS(mpi::broadcast(net), mpi::mismatch);
  } else {
    Other net{1};
    CHECK_THROWS_AS(mpi::gradient_allreduce<Other>{net}, mpi::mismatch);
    CHECK_THROWS_AS(mpi::broadcast(net), mpi::mismatch);
  }
}

TEST_CASE("mpi: bad row counts") {
  Net net{1};
  mpi::gradient_allreduce<Net> all(net);
  nn::parameters_of<Net> g{};
  CHECK_THROWS_AS(all(g, -1.0), std::invalid_argument);  // on every rank: no collective is left half-done
}

TEST_CASE("mpi: a checkpoint rank 0 reads reaches every rank; its errors reach every rank too") {
  // rank 0's file name on every rank (its process id), as if only rank 0 could see the file
  unsigned long id = static_cast<unsigned long>(::getpid());
  MPI_Bcast(&id, 1, MPI_UNSIGNED_LONG, 0, MPI_COMM_WORLD);
  const std::string path = "/tmp/ctgrad_test_mpi_" + std::to_string(id) + ".ckpt";
  if (mpi::rank() == 0) {
    nn::checkpoint c;
    c.put("model", Net{5});
    c.put_number("epoch", 7);
    c.save(path);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const nn::checkpoint c = mpi::load_checkpoint(path);
  Net net{1};
  c.get("model", net);
  CHECK(net.params() == Net{5}.params());
  CHECK(c.number("epoch") == 7);
  MPI_Barrier(MPI_COMM_WORLD);
  if (mpi::rank() == 0) std::remove(path.c_str());
  // the file is gone: every rank throws rank 0's message
  CHECK_THROWS_WITH_AS((void)mpi::load_checkpoint(path), doctest::Contains("cannot open for reading"), nn::format_error);
}

int main(int argc, char** argv) {
  mpi::environment env(argc, argv);
  doctest::Context context(argc, argv);
  const int mine = context.run();
  int worst = mine;
  MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return worst;
}

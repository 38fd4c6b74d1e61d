// Data-parallel training over MPI ranks (machines, or processes of one): each rank takes
// the gradient of its rows of the global batch (with grad() or data_parallel), then one
// allreduce gives every rank the gradient of the whole batch, weighted by rows exactly as
// data_parallel weights its shards. Every rank then takes the same optimizer step on the
// same weights, so the weights stay identical without ever being sent again.
//
//   ctgrad::mpi::environment env(argc, argv);        // MPI_Init ... MPI_Finalize
//   Net net{seed};
//   mpi::broadcast(net);                              // rank 0's initial weights everywhere
//   mpi::gradient_allreduce<Net> all(net);            // buffers, allocated once
//   for (...) {
//     const auto& g = grad(loss, at(net, X = my_rows, y = my_labels));
//     opt.step(net, all(g, my_row_count));            // the global batch's gradient
//   }
//   auto c = mpi::load_checkpoint("run.ckpt");         // rank 0 reads it, every rank gets it
//
// Not part of <ctgrad/ctgrad.hpp>: it needs an MPI implementation (Open MPI, MPICH) and its
// compiler flags (meson: dependency('mpi', language : 'cpp')). MPI's default error handler
// aborts the whole job on a failed call; a mismatch this header can see (ranks holding
// different models) is a ctgrad::mpi::mismatch on every rank instead of a hang.
#pragma once

#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1  // MPI's deprecated C++ bindings: not used, and they warn
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctgrad/nn/checkpoint.hpp"
#include "ctgrad/nn/parameters.hpp"

namespace ctgrad::mpi {

// Ranks that disagree about what they train (another model, another parameter layout)
struct mismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// MPI for the life of the object: MPI_Init_thread (funneled: only the thread that made it
// calls MPI; data_parallel's workers never do) and MPI_Finalize. At most one per program,
// and none if something else initialises MPI.
class environment {
 public:
  environment(int& argc, char**& argv) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  }
  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;
  ~environment() { MPI_Finalize(); }
};

inline int rank(MPI_Comm comm = MPI_COMM_WORLD) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}
inline int size(MPI_Comm comm = MPI_COMM_WORLD) {
  int n = 1;
  MPI_Comm_size(comm, &n);
  return n;
}

namespace detail {

template <class T>
MPI_Datatype datatype() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "ctgrad: mpi: parameters must be float or double to be sent");
  return std::is_same_v<T, float> ? MPI_FLOAT : MPI_DOUBLE;
}

// A fingerprint of a parameter set: names, shapes and element types (FNV-1a)
template <class P>
std::uint64_t fingerprint() {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::uint64_t v) {
    h ^= v;
    h *= 1099511628211ull;
  };
  P::for_each_leaf([&](auto leaf) {
    using L = decltype(leaf);
    for (const char* c = L::name.c_str(); *c; ++c) mix(static_cast<unsigned char>(*c));
    mix(0);
    mix(L::shape_type::size);
    mix(L::shape_type::rank);
    mix(sizeof(typename L::value_type));
  });
  return h;
}

// every rank of comm holds P, or every rank throws (one collective, so no rank hangs)
template <class P>
void check_same_parameters(MPI_Comm comm, const char* what) {
  const std::uint64_t mine = fingerprint<P>();
  std::uint64_t lo = mine, hi = mine;
  MPI_Allreduce(&mine, &lo, 1, MPI_UINT64_T, MPI_MIN, comm);
  MPI_Allreduce(&mine, &hi, 1, MPI_UINT64_T, MPI_MAX, comm);
  if (lo != hi)
    throw mismatch(std::string("ctgrad: mpi: ") + what + ": the ranks hold different models (parameter names, shapes or " +
                   "element types differ; rank " + std::to_string(rank(comm)) + " has " + std::to_string(P::count) +
                   " parameters of " + std::to_string(P::scalars) + " numbers)");
}

}  // namespace detail

// Rank root's parameters on every rank (start-up: identical weights whatever each rank's
// seed). Throws mismatch on every rank if the ranks hold different models.
template <nn::model Model>
void broadcast(Model& model, int root = 0, MPI_Comm comm = MPI_COMM_WORLD) {
  using P = nn::parameters_of<Model>;
  detail::check_same_parameters<P>(comm, "broadcast");
  model.params().for_each([&](auto, auto& t) {
    using T = typename std::remove_cvref_t<decltype(t)>::value_type;
    MPI_Bcast(t.data(), static_cast<int>(t.size()), detail::datatype<T>(), root, comm);
  });
}

// A checkpoint file read by rank root alone and sent to every rank, so the ranks need not
// share a file system. Whatever stops root (a missing, unreadable or corrupt file) is thrown
// as nn::format_error with root's message on every rank at once: no rank waits for a file
// that never comes.
inline nn::checkpoint load_checkpoint(const std::string& path, int root = 0, MPI_Comm comm = MPI_COMM_WORLD) {
  std::vector<unsigned char> bytes;
  std::uint64_t head[2] = {0, 0};  // failed?, bytes that follow (the file, or root's message)
  std::optional<nn::checkpoint> parsed;  // root's, checked before anything is sent
  if (rank(comm) == root) {
    try {
      bytes = io::read_file<nn::format_error>(path);
      parsed = nn::checkpoint::from_bytes(bytes, path);
    } catch (const nn::format_error& e) {
      const std::string what = e.what();
      bytes.assign(what.begin(), what.end());
      head[0] = 1;
    }
    head[1] = bytes.size();
  }
  MPI_Bcast(head, 2, MPI_UINT64_T, root, comm);
  bytes.resize(static_cast<std::size_t>(head[1]));
  constexpr std::size_t chunk = std::numeric_limits<int>::max();  // MPI counts are ints
  for (std::size_t at = 0; at < bytes.size(); at += chunk)
    MPI_Bcast(bytes.data() + at, static_cast<int>(std::min(chunk, bytes.size() - at)), MPI_UNSIGNED_CHAR, root, comm);
  if (head[0]) throw nn::format_error(std::string(bytes.begin(), bytes.end()));
  return parsed ? std::move(*parsed) : nn::checkpoint::from_bytes(bytes, path);
}

// The global batch's gradient from each rank's: sum_r rows_r g_r / sum_r rows_r, and the
// loss value likewise (a loss that is a mean over rows gives exactly the whole batch's).
// The gradients are packed into one contiguous buffer per element type, scaled by
// rows_r / sum rows first, and summed in place by one MPI_Allreduce; the rows and the
// values by one more, of two doubles. Buffers are allocated in the constructor, never in a
// step. A rank with 0 rows takes part with zeros (its gradient is not read).
template <nn::model Model>
class gradient_allreduce {
  using P = nn::parameters_of<Model>;

  template <class T>
  static constexpr std::size_t scalars_of() {
    std::size_t n = 0;
    P::for_each_leaf([&](auto leaf) {
      if constexpr (std::is_same_v<typename decltype(leaf)::value_type, T>) n += decltype(leaf)::shape_type::size;
    });
    return n;
  }

 public:
  explicit gradient_allreduce(const Model&, MPI_Comm comm = MPI_COMM_WORLD)
      : comm_(comm), floats_(scalars_of<float>()), doubles_(scalars_of<double>()) {
    detail::check_same_parameters<P>(comm, "gradient_allreduce");
  }

  // g: this rank's gradients (grad()'s, data_parallel's, a parameter_set), the mean over
  // its `rows` rows (>= 0, finite). Returns the global gradients, as a parameter_set that
  // any optimizer steps with.
  template <class G>
  const P& operator()(const G& g, double rows) {
    if (!(rows >= 0) || !std::isfinite(rows))
      throw std::invalid_argument("ctgrad: mpi::gradient_allreduce: rank " + std::to_string(rank(comm_)) + " has " +
                                  std::to_string(rows) + " rows; expected a finite count >= 0");
    double value = 0;
    if constexpr (requires { g.value(); })
      if (rows != 0) value = static_cast<double>(g.value());
    double totals[2] = {rows, rows * value};
    MPI_Allreduce(MPI_IN_PLACE, totals, 2, MPI_DOUBLE, MPI_SUM, comm_);
    rows_ = totals[0];
    value_ = rows_ == 0 ? 0.0 : totals[1] / rows_;
    const double share = rows_ == 0 ? 0.0 : rows / rows_;
    slots slot{*this};
    result_.for_each([&](auto leaf, auto& out) {
      using T = typename std::remove_cvref_t<decltype(out)>::value_type;
      T* buffer = slot.template next<T>(out.size());
      if (share == 0) {
        for (std::size_t i = 0; i < out.size(); ++i) buffer[i] = T{};
      } else {
        const T w = static_cast<T>(share);
        const T* mine = g.as_tensor(leaf).data();
        for (std::size_t i = 0; i < out.size(); ++i) buffer[i] = w * mine[i];
      }
    });
    if (!floats_.empty())
      MPI_Allreduce(MPI_IN_PLACE, floats_.data(), static_cast<int>(floats_.size()), MPI_FLOAT, MPI_SUM, comm_);
    if (!doubles_.empty())
      MPI_Allreduce(MPI_IN_PLACE, doubles_.data(), static_cast<int>(doubles_.size()), MPI_DOUBLE, MPI_SUM, comm_);
    slots back{*this};
    result_.for_each([&](auto, auto& out) {
      using T = typename std::remove_cvref_t<decltype(out)>::value_type;
      const T* buffer = back.template next<T>(out.size());
      T* o = out.data();
      for (std::size_t i = 0; i < out.size(); ++i) o[i] = buffer[i];
    });
    return result_;
  }

  // of the last call: the global batch's rows and its loss value
  double rows() const { return rows_; }
  double value() const { return value_; }
  const P& gradients() const { return result_; }

 private:
  // consecutive parameters' places in the buffer of their element type
  struct slots {
    gradient_allreduce& self;
    std::size_t floats = 0, doubles = 0;
    template <class T>
    T* next(std::size_t n) {
      if constexpr (std::is_same_v<T, float>) {
        floats += n;
        return self.floats_.data() + floats - n;
      } else {
        doubles += n;
        return self.doubles_.data() + doubles - n;
      }
    }
  };

  MPI_Comm comm_;
  std::vector<float> floats_;
  std::vector<double> doubles_;
  P result_{};
  double rows_ = 0, value_ = 0;
};

}  // namespace ctgrad::mpi

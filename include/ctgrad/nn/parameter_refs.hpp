// A model's parameters seen without their types: for each, its name, element type, shape and
// storage. Saving, loading, checkpoints and summaries work on these lists, so their code is
// compiled once per program, not once per model; nn::save(net, path) and the others build
// one from the model. A program with several models can keep them out of the models' units:
//
//   void save_weights(const nn::const_parameter_refs& w, const std::string& path) {
//     nn::save(w, path);                            // in one .cpp file
//   }
//   save_weights(nn::refs_of(net), "model.ctw");    // in the model's unit
//
// A list refers to the model: it is valid while the model is. One built from a const model
// is a const_parameter_refs, which only the writing side (save, to_bytes, summary) takes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctgrad/nn/parameters.hpp"

namespace ctgrad::nn {

// the element types a parameter list (and a weights file) knows, by their file codes
enum class element_type : std::uint32_t { float32 = 1, float64 = 2 };

struct parameter_ref {
  std::string_view name;               // "fc0.W"
  element_type element;
  std::span<const std::size_t> shape;  // [128, 784]
  std::size_t size;                    // elements
  const void* data;                    // size floats or doubles, as element says
};

namespace detail {
template <class T>
constexpr element_type element_of() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "ctgrad: saving, loading and summaries support float and double parameters");
  return std::is_same_v<T, float> ? element_type::float32 : element_type::float64;
}

// "[128,784]"
inline std::string shape_text(const std::size_t* dims, std::size_t rank) {
  std::string s = "[";
  for (std::size_t i = 0; i < rank; ++i) {
    if (i) s += ',';
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

template <class Leaf>
struct leaf_shape {
  static constexpr std::size_t rank = Leaf::shape_type::rank;
  static constexpr auto dims = [] {
    std::array<std::size_t, rank == 0 ? 1 : rank> d{};
    for (std::size_t i = 0; i < rank; ++i) d[i] = Leaf::shape_type::dim(i);
    return d;
  }();
};

template <class P>
std::vector<parameter_ref> refs_of_set(const P& p) {
  std::vector<parameter_ref> refs;
  refs.reserve(P::count);
  p.for_each([&](auto leaf, const auto& t) {
    using Leaf = decltype(leaf);
    refs.push_back({std::string_view(Leaf::name.c_str()), element_of<typename Leaf::value_type>(),
                    std::span<const std::size_t>(leaf_shape<Leaf>::dims.data(), leaf_shape<Leaf>::rank), t.size(),
                    static_cast<const void*>(t.data())});
  });
  return refs;
}
}  // namespace detail

// The parameters of a model one may read.
class const_parameter_refs {
 public:
  std::span<const parameter_ref> items() const { return refs_; }
  std::size_t size() const { return refs_.size(); }
  const parameter_ref& operator[](std::size_t i) const { return refs_[i]; }
  auto begin() const { return refs_.begin(); }
  auto end() const { return refs_.end(); }

  template <model M>
  friend const_parameter_refs refs_of(const M& m);

 protected:
  explicit const_parameter_refs(std::vector<parameter_ref> refs) : refs_(std::move(refs)) {}
  std::vector<parameter_ref> refs_;
};

// The parameters of a model one may also write (load, checkpoint get).
class parameter_refs : public const_parameter_refs {
 public:
  // parameter i's elements, writable: the list was built from a non-const model
  void* data(std::size_t i) const { return const_cast<void*>(refs_[i].data); }

  template <model M>
  friend parameter_refs refs_of(M& m);

 private:
  using const_parameter_refs::const_parameter_refs;
};

template <model M>
const_parameter_refs refs_of(const M& m) {
  return const_parameter_refs(detail::refs_of_set(m.params()));
}
template <model M>
parameter_refs refs_of(M& m) {
  return parameter_refs(detail::refs_of_set(std::as_const(m).params()));
}

}  // namespace ctgrad::nn

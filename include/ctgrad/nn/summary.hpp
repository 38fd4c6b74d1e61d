// Printable tables of a model: its parameters (name, shape, element type, count), and for a
// Sequential its layers (name, output shape for a given input, parameter count).
//
//   std::cout << nn::summary(net);
//
//   parameter  shape       type     count
//   fc0.W      [128,784]   float   100352
//   ...
//   total                          101770 (397.5 KiB)
//
//   std::cout << nn::summary(net, input<"X", float, dyn, 1, 28, 28>);
//
//   layer       output         parameters
//   conv0       [dyn,6,28,28]         156
//   relu        [dyn,6,28,28]           0
//   ...
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/nn/parameter_refs.hpp"
#include "ctgrad/nn/parameters.hpp"
#include "ctgrad/nn/sequential.hpp"

namespace ctgrad::nn {

// (compiled once: it reads the model's parameter list, nn/parameter_refs.hpp)
inline std::string summary(const const_parameter_refs& w) {
  struct row {
    std::string name, shape, type;
    std::size_t count;
  };
  std::vector<row> rows;
  std::size_t total = 0, bytes = 0;
  for (const parameter_ref& p : w) {
    const bool single = p.element == element_type::float32;
    rows.push_back(
        {std::string(p.name), detail::shape_text(p.shape.data(), p.shape.size()), single ? "float" : "double", p.size});
    total += p.size;
    bytes += p.size * (single ? sizeof(float) : sizeof(double));
  }
  std::size_t wn = 9, ws = 5;
  for (const auto& r : rows) wn = std::max(wn, r.name.size()), ws = std::max(ws, r.shape.size());
  std::string out;
  char line[256];
  auto add = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d) {
    std::snprintf(line, sizeof line, "%-*s  %-*s  %-6s  %10s\n", static_cast<int>(wn), a.c_str(), static_cast<int>(ws),
                  b.c_str(), c.c_str(), d.c_str());
    out += line;
  };
  add("parameter", "shape", "type", "count");
  for (const auto& r : rows) add(r.name, r.shape, r.type, std::to_string(r.count));
  std::snprintf(line, sizeof line, "%zu (%.1f KiB)", total, static_cast<double>(bytes) / 1024);
  add("total", "", "", line);
  return out;
}
template <model M>
std::string summary(const M& m) {
  return summary(refs_of(m));
}

namespace detail {
// a layer's name in a summary: its parameters' prefix (conv0), else its own name (relu)
template <class L>
std::string layer_label() {
  if constexpr (has_parameters<L>) {
    std::string name;
    L::parameter_set::for_each_leaf([&](auto leaf) {
      if (name.empty()) name = decltype(leaf)::name.c_str();
    });
    return name.substr(0, name.rfind('.'));
  } else if constexpr (requires { L::name.c_str(); }) {
    return L::name.c_str();
  } else {
    return "layer";
  }
}
}  // namespace detail

namespace detail {
// one row per layer from layer J on, applied to h
template <class Net, std::size_t J, class H>
void layer_rows(const H& h, std::vector<std::array<std::string, 3>>& rows, std::size_t& total) {
  if constexpr (J < Net::size) {
    using Layer = typename Net::template layer<J>;
    const auto out = Layer::apply(h);
    std::size_t count = 0;
    if constexpr (has_parameters<Layer>) count = Layer::parameter_set::scalars;
    rows.push_back({layer_label<Layer>(), ctgrad::shape_string(typename decltype(out)::shape_type{}).c_str(),
                    std::to_string(count)});
    total += count;
    layer_rows<Net, J + 1>(out, rows, total);
  }
}
}  // namespace detail

// The layers of a Sequential (an MLP too) applied to x: each one's output shape and count
// of parameters.
template <class... L, ctgrad::detail::unary_operand X>
std::string summary(const Sequential<L...>&, const X& x) {
  std::vector<std::array<std::string, 3>> rows;
  std::size_t total = 0;
  detail::layer_rows<Sequential<L...>, 0>(x, rows, total);
  std::size_t wn = 5, ws = 6;
  for (const auto& r : rows) wn = std::max(wn, r[0].size()), ws = std::max(ws, r[1].size());
  std::string out;
  char line[256];
  auto add = [&](const std::string& a, const std::string& b, const std::string& c) {
    std::snprintf(line, sizeof line, "%-*s  %-*s  %10s\n", static_cast<int>(wn), a.c_str(), static_cast<int>(ws), b.c_str(),
                  c.c_str());
    out += line;
  };
  add("layer", "output", "parameters");
  for (const auto& r : rows) add(r[0], r[1], r[2]);
  add("total", "", std::to_string(total));
  return out;
}

}  // namespace ctgrad::nn

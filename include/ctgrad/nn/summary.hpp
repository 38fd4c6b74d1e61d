// A printable table of a model's parameters: name, shape, element type, count.
//
//   std::cout << nn::summary(net);
//
//   parameter  shape       type     count
//   fc0.W      [128,784]   float   100352
//   ...
//   total                          101770 (397.5 KiB)
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/nn/parameters.hpp"

namespace ctgrad::nn {

template <model M>
std::string summary(const M& m) {
  struct row {
    std::string name, shape, type;
    std::size_t count;
  };
  std::vector<row> rows;
  std::size_t total = 0, bytes = 0;
  m.params().for_each([&](auto leaf, const auto& t) {
    using Leaf = decltype(leaf);
    using S = typename Leaf::shape_type;
    std::string shape = "[";
    for (std::size_t i = 0; i < S::rank; ++i) {
      if (i) shape += ',';
      shape += std::to_string(S::dim(i));
    }
    rows.push_back({Leaf::name.c_str(), shape + "]",
                    ctgrad::detail::type_name_string<typename Leaf::value_type>().c_str(), t.size()});
    total += t.size();
    bytes += t.size() * sizeof(typename Leaf::value_type);
  });
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

}  // namespace ctgrad::nn

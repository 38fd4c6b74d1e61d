// Tangents for forward mode and Hessian-vector products: along(a = da, W = dW), each of
// its leaf's element type and shape (checked as at(...) checks values).
#pragma once

#include "ctgrad/expr/binding.hpp"

namespace ctgrad {

template <class B>
struct tangents {
  B bound;
};

template <class... A>
constexpr auto along(const A&... a) {
  return tangents<decltype(at(a...))>{at(a...)};
}

}  // namespace ctgrad

// Folds over packs that grow with the user's code: one element per step, leaf, binding or
// tensor element. Clang nests a fold expression as deep as its pack is long and stops at
// 256 (-fbracket-depth), so a 400-step expression did not compile; a braced list is flat,
// and its elements are evaluated in order.
//
//   detail::all_of({std::is_arithmetic_v<U>...})     for (p && ...)
//   detail::in_order{(f(x), 0)...};                  for (f(x), ...)
#pragma once

#include <initializer_list>

namespace ctgrad::detail {

constexpr bool all_of(std::initializer_list<bool> values) {
  for (bool v : values)
    if (!v) return false;
  return true;
}

struct in_order {
  constexpr in_order(std::initializer_list<int>) {}
};

}  // namespace ctgrad::detail

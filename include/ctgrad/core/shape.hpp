// Static shapes. `shape<>` is a scalar, `shape<3>` a vector, `shape<B, N>` a matrix.
#pragma once

#include <cstddef>

#include "ctgrad/core/fixed_string.hpp"

namespace ctgrad {

template <std::size_t... D>
struct shape {
  static constexpr std::size_t rank = sizeof...(D);
  static constexpr std::size_t size = (std::size_t{1} * ... * D);
  static constexpr std::size_t dims[rank == 0 ? 1 : rank] = {D...};

  static constexpr std::size_t dim(std::size_t i) { return dims[i]; }
};

// "[10,784]" at compile time, for error messages (an operation's check() uses it).
template <std::size_t... D>
constexpr auto shape_string(shape<D...>) {
  if constexpr (sizeof...(D) == 0) {
    return fixed_string("[] (scalar)");
  } else {
    return [] {
      auto body = ((fixed_string(",") + detail::to_fixed_string<D>()) + ...);
      // drop the leading comma
      fixed_string<decltype(body)::length()> trimmed;
      for (std::size_t i = 0; i + 1 < decltype(body)::length() + 1; ++i) trimmed.chars[i] = body.chars[i + 1];
      return fixed_string("[") + trimmed + fixed_string("]");
    }();
  }
}

namespace detail {

// Is the shape `Small` equal to the trailing dimensions of `Big`?  This is the one
// broadcasting rule of elementwise ops: a scalar fits anything, a row vector [N] fits
// every row of a [B, N] matrix.
template <class Small, class Big>
struct is_suffix_t;
template <std::size_t... S, std::size_t... B>
struct is_suffix_t<shape<S...>, shape<B...>> {
  static constexpr bool value = [] {
    constexpr std::size_t ns = sizeof...(S), nb = sizeof...(B);
    if constexpr (ns > nb) {
      return false;
    } else {
      constexpr std::size_t s[ns + 1] = {S..., 0};
      constexpr std::size_t b[nb + 1] = {B..., 0};
      for (std::size_t i = 0; i < ns; ++i)
        if (s[i] != b[nb - ns + i]) return false;
      return true;
    }
  }();
};

template <class Small, class Big>
inline constexpr bool is_suffix = is_suffix_t<Small, Big>::value;

}  // namespace detail
}  // namespace ctgrad

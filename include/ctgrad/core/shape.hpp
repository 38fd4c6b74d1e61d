// Shapes. `shape<>` is a scalar, `shape<3>` a vector, `shape<B, N>` a matrix, and
// `shape<dyn, 784>` a matrix whose number of rows is known only at run time.
//
// dyn, the batch: a shape's first dimension may be dyn, and all the dyn dimensions of one
// evaluation have the same value, the rows bound to the expression's dynamic leaves. The
// other dimensions stay compile-time constants and keep their compile-time checks. (A
// transpose inside a product may put dyn elsewhere for a moment: X^T * Y; a value that is
// computed and kept must have it first, which evaluation checks.)
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include "ctgrad/core/fixed_string.hpp"

namespace ctgrad {

inline constexpr std::size_t dyn = ~std::size_t{0};

// A dynamic extent that does not fit, found at run time when an evaluation is bound: it
// names the operation or leaf and both extents.
class shape_error : public std::invalid_argument {
 public:
  explicit shape_error(const std::string& what) : std::invalid_argument("ctgrad: " + what) {}
};

template <std::size_t... D>
struct shape {
  static constexpr std::size_t rank = sizeof...(D);
  static constexpr std::size_t dims[rank == 0 ? 1 : rank] = {D...};
  static constexpr std::size_t dynamic_dims = ((D == dyn) + ... + 0);
  static_assert(dynamic_dims <= 1, "ctgrad: a shape has at most one dyn dimension");
  static constexpr bool dynamic = dynamic_dims != 0;
  static constexpr bool leading_dynamic = rank != 0 && dims[0] == dyn;
  // the product of the static dimensions: the elements per row when the first is dyn
  static constexpr std::size_t row_size = ((D == dyn ? std::size_t{1} : D) * ... * std::size_t{1}) /
                                          (leading_dynamic || rank == 0 ? 1 : dims[0]);
  static constexpr std::size_t static_size = ((D == dyn ? std::size_t{1} : D) * ... * std::size_t{1});
  // the number of elements; dyn for a dynamic shape (see elements())
  static constexpr std::size_t size = dynamic ? dyn : static_size;

  static constexpr std::size_t dim(std::size_t i) { return dims[i]; }
  // the number of elements when dyn is `rows` (a static shape ignores it)
  static constexpr std::size_t elements(std::size_t rows) { return dynamic ? rows * static_size : size; }
};

namespace detail {
template <std::size_t D>
constexpr auto dim_string() {
  if constexpr (D == dyn)
    return fixed_string("dyn");
  else
    return to_fixed_string<D>();
}
}  // namespace detail

// "[10,784]" (or "[dyn,784]") at compile time, for error messages (check() uses it).
template <std::size_t... D>
constexpr auto shape_string(shape<D...>) {
  if constexpr (sizeof...(D) == 0) {
    return fixed_string("[] (scalar)");
  } else {
    return [] {
      auto body = ((fixed_string(",") + detail::dim_string<D>()) + ...);
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

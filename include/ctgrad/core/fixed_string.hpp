// A string usable as a template argument: leaf names (`var<"a">`) and the
// compile-time text of error messages ("matmul: inner dimensions differ: [10,784] x [128]").
#pragma once

#include <cstddef>

namespace ctgrad {

template <std::size_t N>
struct fixed_string {
  char chars[N]{};  // includes the terminating '\0'

  constexpr fixed_string() = default;
  constexpr fixed_string(const char (&s)[N]) {  // NOLINT: implicit on purpose (var<"a">)
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }

  static constexpr std::size_t length() { return N - 1; }
  constexpr const char* c_str() const { return chars; }

  template <std::size_t M>
  constexpr bool operator==(const fixed_string<M>& other) const {
    if constexpr (M != N) {
      return false;
    } else {
      for (std::size_t i = 0; i < N; ++i)
        if (chars[i] != other.chars[i]) return false;
      return true;
    }
  }
};

template <std::size_t N, std::size_t M>
constexpr fixed_string<N + M - 1> operator+(const fixed_string<N>& a, const fixed_string<M>& b) {
  fixed_string<N + M - 1> out;
  for (std::size_t i = 0; i + 1 < N; ++i) out.chars[i] = a.chars[i];
  for (std::size_t i = 0; i < M; ++i) out.chars[N - 1 + i] = b.chars[i];
  return out;
}

template <std::size_t N, std::size_t M>
constexpr auto operator+(const fixed_string<N>& a, const char (&b)[M]) {
  return a + fixed_string<M>(b);
}

template <std::size_t N, std::size_t M>
constexpr auto operator+(const char (&a)[N], const fixed_string<M>& b) {
  return fixed_string<N>(a) + b;
}

namespace detail {

constexpr std::size_t decimal_digits(std::size_t v) {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

template <std::size_t V>
constexpr auto to_fixed_string() {
  fixed_string<decimal_digits(V) + 1> out;
  std::size_t v = V;
  for (std::size_t i = decimal_digits(V); i-- > 0;) {
    out.chars[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return out;
}

}  // namespace detail
}  // namespace ctgrad

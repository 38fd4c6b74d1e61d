#include <doctest/doctest.h>

#include <ctgrad/core/tensor.hpp>
#include <utility>

using namespace ctgrad;

TEST_CASE("construction from nested braces, flat arrays and fills") {
  constexpr tensor<double, 2, 3> m{{1, 2, 3}, {4, 5, 6}};
  static_assert(m(0, 0) == 1 && m(1, 2) == 6 && m.flat(4) == 5);
  constexpr tensor<int, 2, 2, 2> c{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}};
  static_assert(c(1, 1, 0) == 7);
  constexpr tensor<float, 3> v{1, 2, 3};
  static_assert(v[2] == 3.0f && v.size() == 3);
  constexpr auto f = tensor<double, 2, 2>::from_flat({1, 2, 3, 4});
  static_assert(f(1, 0) == 3);
  constexpr auto z = tensor<double, 4, 5>::filled(0.5);
  static_assert(z(3, 4) == 0.5);
  constexpr tensor<double> s = 2.5;
  static_assert(s.flat(0) == 2.5 && tensor<double>::rank == 0);
  const double raw[] = {9, 8, 7, 6};
  const auto r = tensor<float, 2, 2>::from_range(raw);
  CHECK(r(1, 1) == 6.0f);
  CHECK(m == tensor<double, 2, 3>::from_flat({1, 2, 3, 4, 5, 6}));
  CHECK(!(m == tensor<double, 2, 3>{}));
}

TEST_CASE("a rank-1 tensor from more than 256 numbers (Clang's limit for fold expressions)") {
  constexpr auto t = []<std::size_t... I>(std::index_sequence<I...>) {
    return tensor<double, sizeof...(I)>(static_cast<double>(I)...);
  }(std::make_index_sequence<300>{});
  static_assert(t[0] == 0 && t[150] == 150 && t[299] == 299);
  constexpr auto m = []<std::size_t... I>(std::index_sequence<I...>) {
    return tensor<int, sizeof...(I), 1>{{static_cast<int>(I)}...};  // 300 rows
  }(std::make_index_sequence<300>{});
  static_assert(m(299, 0) == 299);
}

TEST_CASE("shapes print for error messages") {
  static_assert(shape_string(shape<10, 784>{}) == fixed_string("[10,784]"));
  static_assert(shape_string(shape<>{}) == fixed_string("[] (scalar)"));
  static_assert(detail::is_suffix<shape<3>, shape<2, 3>> && !detail::is_suffix<shape<2>, shape<2, 3>>);
  static_assert(detail::is_suffix<shape<>, shape<2, 3>> && detail::is_suffix<shape<2, 3>, shape<2, 3>>);
  CHECK(true);
}

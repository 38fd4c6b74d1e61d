// Misuse is detected without a failing build: the result is not an expression.
// (test/compile_fail/ checks the messages a real build prints.)
#include <doctest/doctest.h>

#include <ctgrad/ctgrad.hpp>
#include <string>

using namespace ctgrad;

namespace {
constexpr auto M = var<"M", double, 2, 3>;
constexpr auto N = var<"N", double, 3, 2>;
constexpr auto v = var<"v", double, 3>;
constexpr auto u = var<"u", double, 2>;
constexpr auto F = var<"F", float, 2, 3>;
constexpr auto s = var<"s">;

template <class E, class B>
concept gradable = requires(E e, B b) {
  { grad(e, b) } -> std::same_as<decltype(grad(e, b))>;
  requires !detail::is_invalid<decltype(grad(e, b))>;
};
}  // namespace

// shapes
static_assert(requires { { M + M } -> expression; });
static_assert(!requires { { M + N } -> expression; });        // [2,3] + [3,2]
static_assert(requires { { M + v } -> expression; });         // row vector broadcast
static_assert(!requires { { M + u } -> expression; });        // [2] is not a trailing part of [2,3]
static_assert(requires { { M * v } -> expression; });         // matrix * vector
static_assert(!requires { { M * u } -> expression; });        // inner dimensions 3 vs 2
static_assert(!requires { { M * M } -> expression; });        // [2,3] x [2,3]
static_assert(requires { { M * N } -> expression; });
static_assert(!requires { { transpose(v) } -> expression; });
static_assert(!requires { { matmul(v, M) } -> expression; });
// element types
static_assert(!requires { { M + F } -> expression; });
static_assert(requires { { F * 2.0 } -> expression; });      // numbers take the expression's type
// an invalid operand stays invalid through later operations
static_assert(!requires { { exp(M + N) * 2 } -> expression; });
static_assert(detail::is_invalid<decltype(M + N)>);
// grad/value
static_assert(!detail::is_invalid<decltype(grad(sum(M), at(M = tensor<double, 2, 3>{})))>);
static_assert(detail::is_invalid<decltype(grad(M, at(M = tensor<double, 2, 3>{})))>);  // not a scalar
static_assert(detail::is_invalid<decltype(grad(s * sum(M), at(s = 1.0)))>);            // M unbound
static_assert(detail::is_invalid<decltype(grad(s * s, wrt(M), at(s = 1.0)))>);          // M not used
static_assert(detail::is_invalid<decltype(value(s + var<"s", float>, at(s = 1.0)))>);   // element types

TEST_CASE("the messages name the operation and both shapes") {
  using E = decltype(M * u);
  CHECK(std::string(E::message.c_str()) == "matmul: inner dimensions differ: [2,3] x [2]");
  using P = decltype(M + N);
  CHECK(std::string(P::message.c_str()) ==
        "operator+: shapes [2,3] and [3,2] do not broadcast (they must be equal, or one the trailing dimensions of "
        "the other)");
  using G = decltype(grad(s * sum(M), at(s = 1.0)));
  CHECK(std::string(G::message.c_str()) == "leaf `M` [2,3] has no value in at(...)");
  using S = decltype(grad(M, at(M = tensor<double, 2, 3>{})));
  CHECK(std::string(S::message.c_str()) == "grad: the expression has shape [2,3]");
}

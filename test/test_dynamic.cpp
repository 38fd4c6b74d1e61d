// Dynamic extents: a batch dimension known at run time (shape<dyn, ...>). Every operation
// family with a dynamic batch gives, bit for bit, what the same expression with that batch
// compiled in gives; bindings are read in place; mismatched rows are shape_errors.
#include "same_as_static.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <ctgrad/ctgrad.hpp>
#include <random>
#include <span>
#include <string>
#include <vector>

using namespace ctgrad;

using test::same_as_static_rows;

TEST_CASE_TEMPLATE("elementwise operations with a dynamic batch, bit for bit", T, float, double) {
  same_as_static_rows<T>([](auto X, auto Y, auto, auto, auto, auto, auto) {
    return sum(exp(X) * 0.5 + log(abs(X) + 1) - relu(X) / (1 + square(Y)) + hadamard(softplus(X), sigmoid(Y)) +
               hadamard(tanh(X), Y) + atan2(X, Y) + hadamard(sqrt(Y), sin(X)) - cos(Y) + pow(X, 3));
  });
}

TEST_CASE_TEMPLATE("broadcasting over a dynamic batch: rows, scalars, numbers", T, float, double) {
  same_as_static_rows<T>([](auto X, auto Y, auto, auto, auto, auto v, auto s) {
    return sum(hadamard(X, v) + v - s * X + pow(Y, s) + X / s + 2.0f * Y - v / Y);
  });
}

TEST_CASE_TEMPLATE("products with a dynamic batch: X W^T + b, X^T Y, X v", T, float, double) {
  same_as_static_rows<T>([](auto X, auto Y, auto, auto W, auto b, auto v, auto) {
    return sum(tanh(X * transpose(W) + b)) + sum(square(transpose(X) * Y)) + sum(X * v) + mean(matmul(transpose(Y), X));
  });
}

TEST_CASE_TEMPLATE("reductions, stop_gradient and losses with a dynamic batch", T, float, double) {
  same_as_static_rows<T>([](auto X, auto Y, auto labels, auto W, auto b, auto, auto) {
    return mean(X) * sum(Y) + nn::cross_entropy(X * transpose(W) + b, labels) + nn::mse(X, Y) +
           nn::squared_loss(X * 0.5, Y) + sum(hadamard(stop_gradient(X), X));
  });
}

TEST_CASE_TEMPLATE("Linear and MLP on a dynamic batch", T, float, double) {
  using Net = nn::basic_mlp<T, nn::Tanh, 5, 6, 4>;
  using Layer = nn::Linear<5, 3, T, "extra">;
  const Net net{3};
  const Layer layer{4};
  same_as_static_rows<T>(
      [](auto X, auto, auto labels, auto W, auto b, auto v, auto s) {
        // (W, b, v, s join in, to be bound)
        return nn::cross_entropy(Net::apply(X), labels) + mean(Layer::apply(X)) + sum(hadamard(W, W)) + sum(b) +
               sum(v) * s;
      },
      at(net, layer));
}

TEST_CASE("a workspace allocates when it is made or reserved, never while it evaluates") {
  constexpr auto X = input<"X", double, dyn, 3>;
  constexpr auto w = var<"w", double, 3>;
  const auto e = sum(exp(X * 0.5) * w);
  using W = workspace<std::remove_cvref_t<decltype(e)>>;
  static_assert(W::dynamic && !workspace<decltype(w * 2.0)>::dynamic);
  W ws(4);
  CHECK(ws.capacity() == 4);
  tensor<double, dyn, 3> x(3);
  const tensor<double, 3> wv{1, 2, 3};
  ws.grad(e, at(X = x, w = wv));
  CHECK(ws.rows() == 3);
  x.resize(5);
  CHECK_THROWS_WITH_AS(ws.grad(e, at(X = x, w = wv)),
                       "ctgrad: workspace: 5 rows, more than its capacity of 4 (make it with workspace<E>(rows), or call "
                       "reserve(rows))",
                       shape_error);
  ws.reserve(5);
  const auto g = ws.grad(e, at(X = x, w = wv));
  CHECK(g[w][0] == doctest::Approx(5.0));  // sum over 5 rows of exp(0) = 1
  // a copy has elements of its own
  W copy = ws;
  x.flat(0) = 2;
  ws.grad(e, at(X = x, w = wv));
  CHECK(copy.gradients_view()[w][0] == doctest::Approx(5.0));
  CHECK(ws.gradients_view()[w][0] == doctest::Approx(4.0 + std::exp(1.0)));
}

TEST_CASE("bindings of a dynamic leaf are read in place: a view, a span, a named vector") {
  constexpr auto X = input<"X", float, dyn, 2>;
  std::vector<float> data{1, 2, 3, 4, 5, 6};
  // a leaf as the whole expression: its value is the bound memory itself
  workspace<std::remove_cvref_t<decltype(X)>, wrt_t<>> ws;
  CHECK(ws.value(X, at(X = view(data.data(), 3))).data() == data.data());
  CHECK(ws.value(X, at(X = data)).data() == data.data());
  CHECK(ws.value(X, at(X = std::span<const float>(data))).rows() == 3);
  CHECK(ws.value(X, at(X = std::span<const float>(data.data(), 4))).rows() == 2);
  CHECK_THROWS_WITH_AS(at(X = std::span<const float>(data.data(), 5)),
                       "ctgrad: leaf `X` takes whole rows of 2 values; the range bound to it has 5", shape_error);
  // the same values as a tensor bound by reference, through an expression
  tensor<float, dyn, 2> t(3);
  for (std::size_t i = 0; i < 6; ++i) t.flat(i) = data[i];
  CHECK(value(sum(X), at(X = data)) == value(sum(X), at(X = t)));
  CHECK(value(sum(X), at(X = t)) == 21.0f);
  const auto copy = value(X * 2.0f, at(X = view(data.data(), 2)));  // a value of dynamic shape: a tensor of its own
  CHECK(copy.rows() == 2);
  CHECK(copy(1, 1) == 8.0f);
}

TEST_CASE("rows that do not agree are a shape_error naming the operation and both extents") {
  constexpr auto X = input<"X", double, dyn, 3>;
  constexpr auto Y = input<"Y", double, dyn, 3>;
  constexpr auto labels = input<"labels", int, dyn>;
  constexpr auto W = var<"W", double, 2, 3>;
  tensor<double, dyn, 3> x(4), y(5);
  tensor<int, dyn> l(3);
  CHECK_THROWS_WITH_AS(grad(sum(X + Y), at(X = x, Y = y)),
                       "ctgrad: operator+: operand 0 has 4 rows (from `X`), operand 1 5 rows (from `Y`)", shape_error);
  CHECK_THROWS_WITH_AS(grad(nn::cross_entropy(X * transpose(W), labels), at(X = x, labels = l, W = tensor<double, 2, 3>{})),
                       "ctgrad: cross_entropy: operand 0 has 4 rows (from `X`), operand 1 3 rows (from `labels`)",
                       shape_error);
  CHECK_THROWS_WITH_AS(value(sum(X) + sum(Y), at(X = x, Y = y)),
                       "ctgrad: `X` has 4 rows, `Y` 5 (every dyn extent of one evaluation is the same)", shape_error);
  // a static extent where a dynamic one is expected is a compile-time mismatch, as ever
  static_assert(!requires { { X + input<"Z", double, 4, 3> } -> expression; });
  static_assert(!requires { { nn::cross_entropy(X * transpose(W), input<"L", int, 4>) } -> expression; });
}

TEST_CASE("dyn is the first dimension of every value kept: a transpose lives inside a product") {
  constexpr auto X = input<"X", double, dyn, 3>;
  constexpr auto Y = input<"Y", double, dyn, 2>;
  constexpr auto W = var<"W", double, 2, 3>;
  static_assert(requires { { transpose(X) * Y } -> expression; });  // [3, 2], the inner extent dynamic
  using T = decltype(grad(sum(transpose(X)), at(X = tensor<double, dyn, 3>{})));
  static_assert(detail::is_invalid<T>);
  CHECK(std::string(T::message.c_str()).find("transpose: its value [3,dyn] would keep dyn after its first dimension") == 0);
  static_assert(!requires { { W * transpose(X) } -> expression; });  // [2, dyn]: a dynamic number of columns
}

namespace {
// the whole of a dynamic evaluation, inside the compiler
constexpr double dynamic_in_a_constant_expression() {
  constexpr auto X = var<"X", double, dyn, 2>;
  tensor<double, dyn, 2> x(3);
  for (std::size_t i = 0; i < x.size(); ++i) x.flat(i) = double(i);
  const auto g = grad(sum(square(X)) * 0.5, at(X = x));
  double s = g.value();
  for (std::size_t i = 0; i < x.size(); ++i) s += g[X].flat(i);  // d/dx = x
  return s;
}
static_assert(dynamic_in_a_constant_expression() == 55.0 / 2 + 15.0);
}  // namespace

TEST_CASE("vjp with a dynamic seed") {
  constexpr auto X = var<"X", double, dyn, 2>;
  tensor<double, dyn, 2> x(2), seed(2);
  for (std::size_t i = 0; i < 4; ++i) x.flat(i) = 0.5 * double(i), seed.flat(i) = double(i + 1);
  const auto g = vjp(exp(X), seed, at(X = x));
  for (std::size_t i = 0; i < 4; ++i) CHECK(g[X].flat(i) == doctest::Approx(double(i + 1) * std::exp(0.5 * double(i))));
  tensor<double, dyn, 2> short_seed(1);
  CHECK_THROWS_WITH_AS(vjp(exp(X), short_seed, at(X = x)), "ctgrad: vjp: the seed has 1 rows, the expression 2", shape_error);
}

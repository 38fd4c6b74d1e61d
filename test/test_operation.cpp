// The operation contract (expr/operation.hpp) from a user's side: operations defined
// outside the library, with no detail::, differentiated, fused and evaluated by the compiler;
// and operations that lack a member, detected without a failing build.
#include "gradcheck.hpp"

#include <string>

using namespace ctgrad;
using test::check_gradient;

namespace user {

// an elementwise function: its value and derivative
struct softsign {
  static constexpr auto name = fixed_string("softsign");
  template <class T> constexpr T value(T x) const { return x / (T(1) + (x < T(0) ? -x : x)); }
  template <class T> constexpr T deriv(T x, T) const {
    const T d = T(1) + (x < T(0) ? -x : x);
    return T(1) / (d * d);
  }
};
template <class X>
constexpr auto softsign_of(const X& x) {
  return elementwise<user::softsign>(x);
}

// a binary one, cheap enough to be fused: a * b + a
struct mul_add_self {
  static constexpr bool fusable = true;
  static constexpr auto name = fixed_string("mul_add_self");
  template <class T> constexpr T value(T a, T b) const { return a * b + a; }
  template <class T> constexpr T da(T, T b, T) const { return b + T(1); }
  template <class T> constexpr T db(T a, T, T) const { return a; }
};

// an elementwise function with data
struct scaled {
  static constexpr auto name = fixed_string("scaled");
  double k;
  template <class T> constexpr T value(T x) const { return T(k) * x; }
  template <class T> constexpr T deriv(T, T) const { return T(k); }
};

// a general operation: running sums of a vector, with its vector-Jacobian product
struct cumsum {
  static constexpr auto name = fixed_string("cumsum");
  template <class S>
  static constexpr auto check() {
    if constexpr (S::rank == 1)
      return fixed_string("");
    else
      return fixed_string("needs a vector, got ") + shape_string(S{});
  }
  template <class S>
  using result_shape = S;

  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    typename Y::value_type s{};
    for (std::size_t i = 0; i < X::extent; ++i) y.flat(i) = s += x[i];
  }
  // d(loss)/dx_k = sum over i >= k of dy_i
  template <std::size_t K, class DX, class DY, class Y, class X>
  constexpr void vjp(const DX& dx, const DY& dy, const Y&, const X&) const {
    typename DX::value_type s{};
    for (std::size_t i = DX::extent; i-- > 0;) dx.put(i, s += dy[i]);
  }
};

// a general operation that gives its gradient element by element only, and reads its
// operand once per element (so a fusable operand is fused into it): sum of i * x_i
struct index_weighted_sum {
  static constexpr auto name = fixed_string("index_weighted_sum");
  template <class S>
  using result_shape = shape<>;
  template <std::size_t OperandExtent, std::size_t Extent>
  static constexpr bool reads_once = true;

  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    typename Y::value_type s{};
    for (std::size_t i = 0; i < X::extent; ++i) s += typename Y::value_type(i) * x[i];
    y.flat(0) = s;
  }
  template <std::size_t K, class DY, class Y, class X>
  constexpr auto vjp_at(std::size_t o, std::size_t j, const DY& dy, const Y&, const X&) const {
    return dy[0] * typename Y::value_type(o + j);
  }
};

// a general operation that broadcasts its second operand (a scalar or a row) and gives its
// gradient element by element only: ctgrad sums it over the repeats. y = x (x - b)
struct times_shifted {
  static constexpr auto name = fixed_string("times_shifted");
  static constexpr bool broadcasts = true;
  template <class X, class B>
  using result_shape = X;
  template <class B, class Y>
  static constexpr std::size_t at_b(std::size_t o, std::size_t j) {
    return B::extent == Y::extent ? o + j : B::extent == 1 ? 0 : j;
  }
  template <class Y, class X, class B>
  constexpr void forward(Y& y, const X& x, const B& b) const {
    constexpr std::size_t R = Y::shape_type::dim(Y::shape_type::rank - 1);
    for (std::size_t o = 0; o < X::extent; o += R)
      for (std::size_t j = 0; j < R; ++j) y.flat(o + j) = x[o + j] * (x[o + j] - b[at_b<B, Y>(o, j)]);
  }
  template <std::size_t K, class DY, class Y, class X, class B>
  constexpr auto vjp_at(std::size_t o, std::size_t j, const DY& dy, const Y&, const X& x, const B& b) const {
    if constexpr (K == 0)
      return dy[o + j] * (2 * x[o + j] - b[at_b<B, Y>(o, j)]);
    else
      return -dy[o + j] * x[o + j];
  }
};

// an operation no gradient flows through
struct frozen_copy {
  static constexpr auto name = fixed_string("frozen_copy");
  static constexpr bool blocks_gradient = true;
  template <class S>
  using result_shape = S;
  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    for (std::size_t i = 0; i < X::extent; ++i) y.flat(i) = x[i];
  }
};

// operations that break the contract
struct no_deriv {
  static constexpr auto name = fixed_string("no_deriv");
  template <class T> constexpr T value(T x) const { return x; }
};
struct no_name {
  template <class T> constexpr T value(T x) const { return x; }
  template <class T> constexpr T deriv(T, T) const { return T(1); }
};
struct no_vjp {
  static constexpr auto name = fixed_string("no_vjp");
  template <class S>
  using result_shape = S;
  template <class Y, class X>
  constexpr void forward(Y&, const X&) const {}
};
struct no_result_shape {
  static constexpr auto name = fixed_string("no_result_shape");
};

}  // namespace user

namespace {
std::mt19937_64 rng{20261130};
constexpr auto s = var<"s">;
constexpr auto v = var<"v", double, 4>;
constexpr auto m = var<"m", double, 2, 3>;
constexpr auto r = var<"r", double, 3>;

// the same function written as a library expression
constexpr double softsign_deriv(double x) {
  const double d = 1 + (x < 0 ? -x : x);
  return 1 / (d * d);
}
static_assert(grad(user::softsign_of(s), at(s = -0.5))[s] == softsign_deriv(-0.5));
static_assert(value(user::softsign_of(s) * 3.0, at(s = 1.0)) == 1.5);
static_assert(grad(sum(make_op<user::cumsum>(v)), at(v = tensor<double, 4>{1, 2, 3, 4}))[v] ==
              tensor<double, 4>{4, 3, 2, 1});
}  // namespace

TEST_CASE("a user's elementwise functions: finite differences, broadcasting, data") {
  check_gradient(user::softsign_of(s), rng, {-2, 2, true}, s);
  check_gradient(sum(hadamard(user::softsign_of(m), m)), rng, {-2, 2, true}, m);
  check_gradient(sum(elementwise<user::mul_add_self>(m, r)), rng, {}, m, r);
  check_gradient(sum(elementwise<user::mul_add_self>(r, m)), rng, {}, m, r);
  check_gradient(sum(elementwise(user::scaled{2.5}, v)), rng, {}, v);
  CHECK(grad(sum(elementwise(user::scaled{2.5}, v)), at(v = tensor<double, 4>{}))[v] == tensor<double, 4>::filled(2.5));
}

TEST_CASE("a user's general operations: vjp, vjp_at only, broadcasting, a gradient stop") {
  constexpr auto w = var<"w", double, 4>;
  check_gradient(sum(hadamard(make_op<user::cumsum>(v), w)), rng, {}, v, w);
  check_gradient(sum(hadamard(make_op<user::cumsum>(exp(v)), w)), rng, {}, v, w);
  check_gradient(make_op<user::index_weighted_sum>(square(v - w)), rng, {}, v, w);
  const auto g = grad(sum(hadamard(make_op<user::frozen_copy>(v), v)), at(v = tensor<double, 4>{1, 2, 3, 4}));
  CHECK(g[v] == tensor<double, 4>{1, 2, 3, 4});  // only the direct path
  // the cumsum by hand: d/dv_k sum_i w_i cumsum(v)_i = sum_{i >= k} w_i
  const auto gc = grad(sum(hadamard(make_op<user::cumsum>(v), w)), at(v = tensor<double, 4>{}, w = tensor<double, 4>{1, 2, 3, 4}));
  CHECK(gc[v] == tensor<double, 4>{10, 9, 7, 4});
  // broadcasts: a scalar and a row repeated over the value, their gradients summed by ctgrad
  check_gradient(sum(make_op<user::times_shifted>(m, s)), rng, {}, m, s);
  check_gradient(sum(make_op<user::times_shifted>(m, r)), rng, {}, m, r);
  check_gradient(sum(make_op<user::times_shifted>(m, m)), rng, {}, m);
  const auto gb = grad(sum(make_op<user::times_shifted>(m, r)),
                       at(m = tensor<double, 2, 3>{{1, 2, 3}, {4, 5, 6}}, r = tensor<double, 3>{}));
  CHECK(gb[r] == tensor<double, 3>{-5, -7, -9});  // minus the column sums
}

TEST_CASE("fusion applies to a user's operations as to the library's") {
  constexpr auto w = var<"w", double, 4>;
  constexpr auto e = make_op<user::index_weighted_sum>(elementwise<user::mul_add_self>(v, w));
  using S = workspace<std::remove_cvref_t<decltype(e)>>::schedule;
  static_assert(S::size == 4 && S::fused[2]);  // v, w, mul_add_self (fused), the sum
  constexpr auto stored = make_op<user::cumsum>(elementwise<user::mul_add_self>(v, w));
  static_assert(!workspace<std::remove_cvref_t<decltype(stored)>>::schedule::fused[2]);  // cumsum does not say reads_once
  const tensor<double, 4> vv{1, 2, 3, 4}, wv{-1, 0.5, 2, 1};
  const auto g = grad(e, at(v = vv, w = wv));
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(g[v][i] == doctest::Approx(double(i) * (wv[i] + 1)));
    CHECK(g[w][i] == doctest::Approx(double(i) * vv[i]));
  }
}

// The contract as concepts
static_assert(elementwise_unary<user::softsign, float> && elementwise_unary<user::softsign, double>);
static_assert(elementwise_binary<user::mul_add_self> && !elementwise_unary<user::mul_add_self>);
static_assert(!elementwise_unary<user::no_deriv> && !elementwise_unary<user::no_name>);
static_assert(operation_for<user::cumsum, tensor<double, 4>, tensor<double, 4>>);
static_assert(operation_for<user::frozen_copy, tensor<float, 2>, tensor<float, 2>>);
static_assert(!operation_for<user::no_vjp, tensor<double, 4>, tensor<double, 4>>);
static_assert(!operation_for<user::no_result_shape, tensor<double, 4>, tensor<double, 4>>);
static_assert(operation_for<op::matmul, tensor<float, 2, 4>, tensor<float, 2, 3>, tensor<float, 3, 4>>);

// A broken contract is an invalid<> naming the missing member (and one ctgrad: error when
// the call is really made: test/compile_fail/contract_*.cpp).
static_assert(!requires { { elementwise<user::no_deriv>(v) } -> expression; });
static_assert(!requires { { elementwise<user::no_name>(v) } -> expression; });
static_assert(!requires { { make_op<user::no_vjp>(v) } -> expression; });
static_assert(!requires { { make_op<user::no_result_shape>(v) } -> expression; });
static_assert(!requires { { make_op<user::cumsum>(m) } -> expression; });  // its own shape check
static_assert(requires { { make_op<user::frozen_copy>(v) } -> expression; });  // no vjp needed

TEST_CASE("the messages of a broken contract name the member") {
  CHECK(std::string(decltype(elementwise<user::no_deriv>(v))::message.c_str()) ==
        "no_deriv: the elementwise function has no deriv(x, y) (dy/dx at x, with y = value(x))");
  CHECK(std::string(decltype(elementwise<user::no_name>(v))::message.c_str()) ==
        "an elementwise function has no `static constexpr auto name = ctgrad::fixed_string(\"...\")`");
  CHECK(std::string(decltype(make_op<user::no_vjp>(v))::message.c_str()) ==
        "no_vjp: the operation has no vjp<K>(dx, dy, y, x...) nor vjp_at<K>(o, j, dy, y, x...)");
  CHECK(std::string(decltype(make_op<user::no_result_shape>(v))::message.c_str()) ==
        "no_result_shape: the operation has no result_shape<S...> (its value's shape)");
  CHECK(std::string(decltype(make_op<user::cumsum>(m))::message.c_str()) == "cumsum: needs a vector, got [2,3]");
  CHECK(decltype(elementwise<user::no_deriv>(v))::kind == error_kind::broken_contract);
}

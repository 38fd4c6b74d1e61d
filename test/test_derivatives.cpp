// Forward mode, Jacobians, Hessians, higher derivatives and gradcheck
// (include/ctgrad/derivatives/): against PyTorch's torch.autograd.functional, against
// finite differences and reverse mode, and in the compiler.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>

#include <ctgrad/ctgrad.hpp>

#include "gradcheck.hpp"
#include "reference/torch_values.hpp"
#include "torch_compare.hpp"

using namespace ctgrad;

namespace {

constexpr bool close(double a, double b, double tol = 1e-9) {
  const double d = a - b, s = (b < 0 ? -b : b) + 1;
  return d < tol * s && -d < tol * s;
}

// a tensor of reference values (at namespace scope: no doctest macros before main)
template <class Tensor, class V, std::size_t N>
constexpr Tensor ref(const V (&values)[N]) {
  static_assert(Tensor::extent == N);
  Tensor t{};
  for (std::size_t i = 0; i < N; ++i) t.flat(i) = values[i];
  return t;
}

// the functions of torch_reference.py's "Derivatives" section, on x [2, 3]
constexpr auto x = var<"x", double, 2, 3>;
constexpr auto labels = input<"labels", int, 2>;
constexpr auto A = ref<tensor<double, 3, 2>>(torch_ref::der_A);
constexpr auto xv = ref<tensor<double, 2, 3>>(torch_ref::der_x);
constexpr auto vv = ref<tensor<double, 2, 3>>(torch_ref::der_v);
constexpr auto lv = ref<tensor<int, 2>>(torch_ref::der_labels);

auto f_matmul() { return tanh(constant_of(A) * x); }
auto f_softmax() { return hadamard(softmax<1>(x), x); }
auto f_axes() { return concat<0>(logsumexp<1>(x), max<1>(x), variance<1>(x)); }
template <class X>
auto f_shapes_on(X z) { return exp(0.5 * concat<0>(transpose(z), reshape<3, 2>(z))); }
auto f_shapes() { return f_shapes_on(x); }
auto f_select() {
  return where(x > 0.0, square(x), sin(x)) + broadcast_to<2, 3>(unsqueeze<1>(sum<1>(slice<1, 1, 3>(x))));
}
auto f_stack() { return min<0>(stack(index<1>(x), hadamard(index<0>(x), index<1>(x)))) / (1.0 + abs(index<0>(x))); }
auto f_ce() { return nn::cross_entropy(x, labels) + 0.1 * sum(square(x)); }
auto f_mix() { return sum(hadamard(sigmoid(x), softplus(x))) + sum(prod<1>(x + 2.0)); }
auto f_norm() { return norm(x) * logsumexp(x) + mean(sin(x)); }
auto f_losses() {
  return nn::huber_loss(x, constant_of(vv), 0.5) + nn::binary_cross_entropy_with_logits(x, sigmoid(constant_of(vv))) +
         nn::l1_loss(tanh(x), constant_of(vv));
}

template <class E, std::size_t NJ, std::size_t NV>
void check_vector_function(const E& e, const double (&jac)[NJ], const double (&value)[NV], const double (&jv)[NV]) {
  const auto b = at(x = xv, labels = lv);
  const auto Jf = jacobian_fwd(e, wrt(x), b);
  const auto Jr = jacobian_rev(e, wrt(x), b);
  const auto J = jacobian(e, wrt(x), b);
  test::check_close(Jf[x], jac);
  test::check_close(Jr[x], jac);
  test::check_close(J[x], jac);
  const auto r = jvp(e, along(x = vv), b);
  test::check_close(r.value(), value);
  test::check_close(r.tangent(), jv);
}

template <class E, std::size_t NH, std::size_t NV>
void check_scalar_function(const E& e, const double (&hess)[NH], const double (&value)[1], const double (&hv)[NV]) {
  const auto b = at(x = xv, labels = lv);
  const auto H = hessian(e, wrt(x), b);
  test::check_close(H(x, x), hess);
  test::check_close(H.value(), value);
  for (std::size_t i = 0; i < H.size; ++i)
    for (std::size_t j = 0; j < i; ++j) CHECK(H.matrix()(i, j) == doctest::Approx(H.matrix()(j, i)).epsilon(1e-13));
  const auto g = grad(e, wrt(x), b);
  for (std::size_t i = 0; i < 6; ++i) CHECK(H.gradient(x).flat(i) == doctest::Approx(g[x].flat(i)).epsilon(1e-14));
  const auto r = hvp(e, wrt(x), along(x = vv), b);
  test::check_close(r[x], hv);
  CHECK(r.value() == doctest::Approx(value[0]).epsilon(1e-14));
  // one lane per pass, and three: the same Hessian
  const auto H1 = hessian<1>(e, wrt(x), b);
  const auto H3 = hessian<3>(e, wrt(x), b);
  for (std::size_t i = 0; i < 36; ++i) {
    CHECK(H1.matrix().flat(i) == doctest::Approx(H.matrix().flat(i)).epsilon(1e-13));
    CHECK(H3.matrix().flat(i) == doctest::Approx(H.matrix().flat(i)).epsilon(1e-13));
  }
}

}  // namespace

TEST_CASE("jacobian and jvp against PyTorch's torch.autograd.functional") {
  SUBCASE("matmul") { check_vector_function(f_matmul(), torch_ref::der_matmul_jac, torch_ref::der_matmul_value, torch_ref::der_matmul_jvp); }
  SUBCASE("softmax") { check_vector_function(f_softmax(), torch_ref::der_softmax_jac, torch_ref::der_softmax_value, torch_ref::der_softmax_jvp); }
  SUBCASE("axes") { check_vector_function(f_axes(), torch_ref::der_axes_jac, torch_ref::der_axes_value, torch_ref::der_axes_jvp); }
  SUBCASE("shapes") { check_vector_function(f_shapes(), torch_ref::der_shapes_jac, torch_ref::der_shapes_value, torch_ref::der_shapes_jvp); }
  SUBCASE("where, broadcast, slice") { check_vector_function(f_select(), torch_ref::der_select_jac, torch_ref::der_select_value, torch_ref::der_select_jvp); }
  SUBCASE("index, stack, min") { check_vector_function(f_stack(), torch_ref::der_stack_jac, torch_ref::der_stack_value, torch_ref::der_stack_jvp); }
}

TEST_CASE("hessian and hvp against PyTorch's torch.autograd.functional") {
  SUBCASE("cross_entropy") { check_scalar_function(f_ce(), torch_ref::der_ce_hessian, torch_ref::der_ce_value, torch_ref::der_ce_hvp); }
  SUBCASE("elementwise and prod") { check_scalar_function(f_mix(), torch_ref::der_mix_hessian, torch_ref::der_mix_value, torch_ref::der_mix_hvp); }
  SUBCASE("norm and logsumexp") { check_scalar_function(f_norm(), torch_ref::der_norm_hessian, torch_ref::der_norm_value, torch_ref::der_norm_hvp); }
  SUBCASE("huber, bce with logits, l1") { check_scalar_function(f_losses(), torch_ref::der_losses_hessian, torch_ref::der_losses_value, torch_ref::der_losses_hvp); }
}

TEST_CASE("jvp against vjp: <u, J v> both ways, on random points") {
  std::mt19937_64 rng(7);
  constexpr auto W = var<"W", double, 3, 4>;
  constexpr auto b = var<"b", double, 3>;
  constexpr auto v = var<"v", double, 4>;
  const auto e = concat<0>(relu(W * v + b), softmax(W * v), stack(max(W), logsumexp(W), norm(v)));
  using E = decltype(e);
  for (int round = 0; round < 5; ++round) {
    const auto wv = test::random_tensor<decltype(W)>(rng, {-1, 1});
    const auto bv = test::random_tensor<decltype(b)>(rng, {-1, 1});
    const auto pv = test::random_tensor<decltype(v)>(rng, {-1, 1});
    const auto dw = test::random_tensor<decltype(W)>(rng, {-1, 1});
    const auto db = test::random_tensor<decltype(b)>(rng, {-1, 1});
    const auto dv = test::random_tensor<decltype(v)>(rng, {-1, 1});
    const auto u = test::random_tensor<leaf<"u", double, true, E::shape_type::size>>(rng, {-1, 1});
    const auto bound = at(W = wv, b = bv, v = pv);
    const auto r = jvp(e, along(W = dw, b = db, v = dv), bound);
    double u_jv = 0;
    for (std::size_t i = 0; i < u.size(); ++i) u_jv += u.flat(i) * r.tangent().flat(i);
    tensor_for<double, E::shape_type> seed;
    for (std::size_t i = 0; i < u.size(); ++i) seed.flat(i) = u.flat(i);
    const auto g = vjp(e, seed, bound);
    double jtu_v = 0;
    for (std::size_t i = 0; i < 12; ++i) jtu_v += g[W].flat(i) * dw.flat(i);
    for (std::size_t i = 0; i < 3; ++i) jtu_v += g[b].flat(i) * db.flat(i);
    for (std::size_t i = 0; i < 4; ++i) jtu_v += g[v].flat(i) * dv.flat(i);
    CHECK(u_jv == doctest::Approx(jtu_v).epsilon(1e-12));
    const auto y = value(e, bound);
    for (std::size_t i = 0; i < u.size(); ++i) CHECK(r.value().flat(i) == y.flat(i));
  }
}

TEST_CASE("hessian against finite differences of grad, on two leaves with float and double") {
  constexpr auto p = var<"p", double, 3>;
  constexpr auto q = var<"q">;
  const auto f = sum(hadamard(tanh(p * q), exp(p))) + q * logsumexp(p) * q;
  const tensor<double, 3> pv{0.3, -0.5, 0.8};
  const double qv = 0.7;
  const auto H = hessian(f, wrt(p, q), at(p = pv, q = qv));
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(H(p, q))>, tensor<double, 3>>);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(H(q, q))>, double>);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(H(p, p))>, tensor<double, 3, 3>>);
  const double h = 1e-5;
  for (std::size_t j = 0; j < 4; ++j) {  // column j: d(grad)/d(input j)
    auto pp = pv, pm = pv;
    double qp = qv, qm = qv;
    if (j < 3) pp.flat(j) += h, pm.flat(j) -= h;
    else qp += h, qm -= h;
    const auto gp = grad(f, at(p = pp, q = qp)), gm = grad(f, at(p = pm, q = qm));
    for (std::size_t i = 0; i < 3; ++i) CHECK(H.matrix()(i, j) == doctest::Approx((gp[p](i) - gm[p](i)) / (2 * h)).epsilon(1e-7));
    CHECK(H.matrix()(3, j) == doctest::Approx((gp[q] - gm[q]) / (2 * h)).epsilon(1e-7));
  }
  CHECK(H(p, q)(1) == H.matrix()(1, 3));
  CHECK(H(q, p)(2) == H.matrix()(3, 2));

  constexpr auto pf = var<"p", float, 3>;
  constexpr auto qf = var<"q", float>;
  const auto Hf = hessian(sum(hadamard(tanh(pf * qf), exp(pf))) + qf * logsumexp(pf) * qf, wrt(pf, qf),
                          at(pf = tensor<float, 3>{0.3f, -0.5f, 0.8f}, qf = 0.7f));
  for (std::size_t i = 0; i < 16; ++i) CHECK(Hf.matrix().flat(i) == doctest::Approx(H.matrix().flat(i)).epsilon(1e-5));
}

TEST_CASE("derivatives<N>: a Taylor expansion of exp(2x) sin(x) against its closed form") {
  constexpr auto s = var<"s">;
  const double x0 = 0.6;
  const auto d = derivatives<5>(exp(2.0 * s) * sin(s), wrt(s), at(s = x0));
  // (d/dx)^k e^{2x} sin x = 5^{k/2} e^{2x} sin(x + k atan(1/2))
  for (std::size_t k = 0; k <= 5; ++k) {
    CAPTURE(k);
    const double want = std::pow(5.0, k / 2.0) * std::exp(2 * x0) * std::sin(x0 + k * std::atan(0.5));
    CHECK(d[k] == doctest::Approx(want).epsilon(1e-13));
  }
  const auto d0 = derivatives<0>(s * s, wrt(s), at(s = 3.0));
  CHECK(d0[0] == 9.0);
}

TEST_CASE("dual<T, K> leaves work with every family, and nest") {
  using D = dual<double, 2>;
  constexpr auto z = var<"z", D, 2, 3>;
  tensor<D, 2, 3> zv;
  for (std::size_t i = 0; i < 6; ++i) zv.flat(i) = D(xv.flat(i), {vv.flat(i), 1.0});
  const auto y = value(f_shapes_on(z), at(z = zv));
  const auto r = jvp(f_shapes(), along(x = vv), at(x = xv));
  for (std::size_t i = 0; i < 12; ++i) {
    CHECK(y.flat(i).value == doctest::Approx(r.value().flat(i)).epsilon(1e-15));
    CHECK(y.flat(i).tangent[0] == doctest::Approx(r.tangent().flat(i)).epsilon(1e-14));
  }
  // every elementary function's tangent against its derivative
  using D1 = dual<double>;
  const D1 t = D1::seeded(0.4);
  CHECK(math::exp(t).tangent[0] == doctest::Approx(std::exp(0.4)));
  CHECK(math::log(t).tangent[0] == doctest::Approx(1 / 0.4));
  CHECK(math::sqrt(t).tangent[0] == doctest::Approx(0.5 / std::sqrt(0.4)));
  CHECK(math::tanh(t).tangent[0] == doctest::Approx(1 - std::tanh(0.4) * std::tanh(0.4)));
  CHECK(math::atan(t).tangent[0] == doctest::Approx(1 / 1.16));
  CHECK(math::asin(t).tangent[0] == doctest::Approx(1 / std::sqrt(1 - 0.16)));
  CHECK(math::acos(t).tangent[0] == doctest::Approx(-1 / std::sqrt(1 - 0.16)));
  CHECK(math::erf(t).tangent[0] == doctest::Approx(2 / std::sqrt(M_PI) * std::exp(-0.16)));
  CHECK(math::log1p(t).tangent[0] == doctest::Approx(1 / 1.4));
  CHECK(math::expm1(t).tangent[0] == doctest::Approx(std::exp(0.4)));
  CHECK(math::sinh(t).tangent[0] == doctest::Approx(std::cosh(0.4)));
  CHECK(math::cosh(t).tangent[0] == doctest::Approx(std::sinh(0.4)));
  CHECK(math::pow(t, D1(3.0)).tangent[0] == doctest::Approx(3 * 0.16));
  CHECK(math::pow(D1(-2.0), D1(3.0)).value == -8.0);  // a constant exponent on a negative base: no NaN
  CHECK(math::pow(D1(2.0), D1::seeded(3.0)).tangent[0] == doctest::Approx(8 * std::log(2.0)));
  CHECK(math::atan2(t, D1(2.0)).tangent[0] == doctest::Approx(2 / 4.16));
  // nested: the second derivative of x^3 at 2 is 12
  using D2 = dual<D1>;
  D2 n(D1::seeded(2.0));
  n.tangent[0] = D1(1.0);
  CHECK((n * n * n).tangent[0].tangent[0] == 12.0);
}

struct wrong_softplus {  // a custom function with a derivative 1% off
  static constexpr auto name = fixed_string("wrong softplus");
  template <class T> constexpr T value(T v) const { return math::softplus(v); }
  template <class T> constexpr T deriv(T v, T) const { return math::sigmoid(v) * T(1.01); }
};

TEST_CASE("gradcheck: passes a right derivative, finds a wrong one, and reports the worst element") {
  constexpr auto a = var<"a", double, 3>;
  const tensor<double, 3> av{0.3, -1.0, 2.0};
  const auto good = gradcheck(softplus(a), at(a = av));
  CHECK(good);
  CHECK(good.checked == 9);  // a non-scalar: every output against every input
  const auto bad = gradcheck(sum(make_op<op::map<wrong_softplus>>(a)), at(a = av));
  CHECK(!bad);
  CHECK(std::string(bad.worst.leaf) == "a");
  CHECK(bad.worst.index == 2);  // sigmoid is largest at 2.0
  CHECK(bad.worst.analytic == doctest::Approx(1.01 / (1 + std::exp(-2.0))));
  CHECK(bad.worst.numeric == doctest::Approx(1 / (1 + std::exp(-2.0))).epsilon(1e-9));
  std::ostringstream os;
  os << bad;
  CHECK(os.str().find("FAILED") != std::string::npos);
  CHECK(os.str().find("leaf `a` element 2") != std::string::npos);
  // only the leaves of wrt(...), and looser tolerances when asked
  constexpr auto c = var<"c">;
  CHECK(gradcheck(sum(a) * c, wrt(c), at(a = av, c = 2.0)).checked == 1);
  CHECK(gradcheck(sum(make_op<op::map<wrong_softplus>>(a)), at(a = av), {.atol = 0.1}));
}

// In the compiler, with GCC and Clang: the Rosenbrock Hessian, a Jacobian, a third
// derivative, a jvp and a gradcheck of a custom derivative.
namespace compile_time {
constexpr auto u = var<"u">;
constexpr auto w = var<"w">;
constexpr auto rosenbrock = 100.0 * square(w - u * u) + square(1.0 - u);
constexpr auto H = hessian(rosenbrock, wrt(u, w), at(u = -1.2, w = 1.0));
static_assert(close(H(u, u), 1330.0) && close(H(u, w), 480.0) && close(H(w, u), 480.0) && close(H(w, w), 200.0));
static_assert(close(H.gradient(u), -215.6) && close(H.gradient(w), -88.0) && close(H.value(), 24.2));

constexpr auto arm = stack(cos(u) + cos(u + w), sin(u) + sin(u + w));  // a two-link arm's hand
constexpr auto J = jacobian(arm, wrt(u, w), at(u = 0.5, w = 0.25));
static_assert(close(J[u](0), -detail::cx::sin(0.5) - detail::cx::sin(0.75)) && close(J[w](0), -detail::cx::sin(0.75)));
static_assert(close(J[u](1), detail::cx::cos(0.5) + detail::cx::cos(0.75)) && close(J[w](1), detail::cx::cos(0.75)));

constexpr auto d = derivatives<3>(u * u * u * u, wrt(u), at(u = 2.0));
static_assert(d[0] == 16.0 && d[1] == 32.0 && d[2] == 48.0 && d[3] == 48.0);

constexpr auto r = jvp(u * sin(w), along(w = 1.0), at(u = 2.0, w = 0.0));
static_assert(close(r.value(), 0.0) && close(r.tangent(), 2.0));

static_assert(gradcheck(softplus(u) * w, at(u = 0.3, w = 0.7)));
}  // namespace compile_time

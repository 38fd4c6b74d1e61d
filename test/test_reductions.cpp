// Reductions along an axis and over all (max, min, prod, logsumexp, norm, variance, stddev),
// softmax and log_softmax: finite differences (axes 0, 1 and the last of a rank-3 tensor),
// PyTorch's values and gradients, the edges (ties, zeros, logits of 1e4), a dynamic batch.
#include "gradcheck.hpp"
#include "same_as_static.hpp"
#include "torch_compare.hpp"

#include <cmath>
#include <limits>

using namespace ctgrad;
using test::check_gradient;

namespace {

std::mt19937_64 rng{20261202};

}  // namespace

TEST_CASE_TEMPLATE("reductions along an axis match finite differences", T, float, double) {
  constexpr auto x = var<"x", T, 2, 3, 4>;
  check_gradient(test::weighted<3, 4>(sum<0>(x), rng) + test::weighted<2, 4>(mean<1>(x), rng) +
                     test::weighted<2, 3>(sum<-1>(x), rng),
                 rng, {}, x);
  // (apart by more than the inputs' range, so that no difference crosses a kink)
  tensor<T, 2, 3, 4> apart;
  for (std::size_t i = 0; i < apart.size(); ++i) apart.flat(i) = T(3) * T((i * 7) % 24);
  const auto y = x + constant_of(apart);
  check_gradient(test::weighted<3, 4>(max<0>(y), rng) + test::weighted<2, 4>(min<1>(y), rng) + max(y) - min(y), rng, {}, x);
  check_gradient(test::weighted<2, 4>(prod<1>(x), rng) + prod(x * 2), rng, {0.5, 1.5}, x);
  check_gradient(test::weighted<3, 4>(logsumexp<0>(x), rng) + test::weighted<2, 3>(logsumexp<-1>(x), rng) + logsumexp(x), rng,
                 {-3, 3}, x);
  check_gradient(test::weighted<2, 4>(norm<1>(x), rng) + norm(x), rng, {}, x);
  check_gradient(test::weighted<3, 4>(variance<0>(x), rng) + test::weighted<2, 3>(stddev<2>(x), rng) + stddev(x), rng, {}, x);
}

TEST_CASE_TEMPLATE("softmax and log_softmax match finite differences", T, float, double) {
  constexpr auto x = var<"x", T, 2, 3, 4>;
  check_gradient(test::weighted<2, 3, 4>(softmax<0>(x) + softmax<1>(x) + softmax(x), rng), rng, {-3, 3}, x);
  check_gradient(test::weighted<2, 3, 4>(log_softmax<0>(x) + log_softmax<1>(x) + log_softmax<-1>(x), rng), rng, {-3, 3}, x);
  constexpr auto v = var<"v", T, 5>;
  check_gradient(test::weighted<5>(softmax(v), rng), rng, {-3, 3}, v);
}

TEST_CASE("reductions and softmax against PyTorch") {
  CTGRAD_AGAINST_TORCH(sum0, sum<0>(x));
  CTGRAD_AGAINST_TORCH(sum1, sum<1>(x));
  CTGRAD_AGAINST_TORCH(sum_last, sum<-1>(x));
  CTGRAD_AGAINST_TORCH(mean1, mean<1>(x));
  CTGRAD_AGAINST_TORCH(max0, max<0>(x));
  CTGRAD_AGAINST_TORCH(max_last, max<-1>(x));
  CTGRAD_AGAINST_TORCH(min1, min<1>(x));
  CTGRAD_AGAINST_TORCH(max_all, max(x));
  CTGRAD_AGAINST_TORCH(min_last, min<2>(x));
  CTGRAD_AGAINST_TORCH(prod1, prod<1>(x));
  CTGRAD_AGAINST_TORCH(prod_last, prod<-1>(x));
  CTGRAD_AGAINST_TORCH(logsumexp0, logsumexp<0>(x));
  CTGRAD_AGAINST_TORCH(logsumexp_last, logsumexp<-1>(x));
  CTGRAD_AGAINST_TORCH(logsumexp_all, logsumexp(x));
  CTGRAD_AGAINST_TORCH(norm1, norm<1>(x));
  CTGRAD_AGAINST_TORCH(norm_all, norm(x));
  CTGRAD_AGAINST_TORCH(variance0, variance<0>(x));
  CTGRAD_AGAINST_TORCH(variance_last, variance<-1>(x));
  CTGRAD_AGAINST_TORCH(stddev1, stddev<1>(x));
  CTGRAD_AGAINST_TORCH(stddev_all, stddev(x));
  CTGRAD_AGAINST_TORCH(softmax0, softmax<0>(x));
  CTGRAD_AGAINST_TORCH(softmax1, softmax<1>(x));
  CTGRAD_AGAINST_TORCH(softmax_last, softmax(x));
  CTGRAD_AGAINST_TORCH(log_softmax0, log_softmax<0>(x));
  CTGRAD_AGAINST_TORCH(log_softmax_last, log_softmax(x));
}

TEST_CASE("the edges: ties, zeros, huge logits, empty norms") {
  constexpr auto v = var<"v", double, 4>;
  // ties split the gradient evenly; NaN propagates
  const auto g = grad(max(v), at(v = tensor<double, 4>{1, 3, 3, 2}));
  CHECK(g.value() == 3);
  CHECK(g[v] == tensor<double, 4>{0, 0.5, 0.5, 0});
  CHECK(std::isnan(value(min(v), at(v = tensor<double, 4>{1, NAN, 3, 2}))));
  // prod: the product of the others, also at zeros
  CHECK(grad(prod(v), at(v = tensor<double, 4>{2, 0, 3, 4}))[v] == tensor<double, 4>{0, 24, 0, 0});
  CHECK(grad(prod(v), at(v = tensor<double, 4>{2, 0, 3, 0}))[v] == tensor<double, 4>{});
  CHECK(grad(prod(v), at(v = tensor<double, 4>{2, 5, 3, 4}))[v] == tensor<double, 4>{60, 24, 40, 30});
  // logits of 1e4: finite, where log(sum(exp)) overflows
  const tensor<double, 4> big{1e4, 1e4 - 1, -1e4, 1e4};
  CHECK(value(logsumexp(v), at(v = big)) == doctest::Approx(1e4 + std::log(2 + std::exp(-1.0))));
  CHECK(std::isinf(value(log(sum(exp(v))), at(v = big))));
  const auto ls = grad(sum(log_softmax(v)), at(v = big));
  CHECK(std::isfinite(ls.value()));
  for (std::size_t i = 0; i < 4; ++i) CHECK(std::isfinite(ls[v][i]));
  CHECK(value(softmax(v), at(v = big))[2] == 0.0);
  // every element -inf: logsumexp is -inf, with no gradient
  constexpr double inf = std::numeric_limits<double>::infinity();
  const auto none = grad(logsumexp(v), at(v = tensor<double, 4>{-inf, -inf, -inf, -inf}));
  CHECK(none.value() == -inf);
  CHECK(none[v] == tensor<double, 4>{});
  // norm: 0 at 0 with gradient 0; no overflow at 1e200
  const auto n0 = grad(norm(v), at(v = tensor<double, 4>{}));
  CHECK(n0.value() == 0);
  CHECK(n0[v] == tensor<double, 4>{});
  CHECK(value(norm(v), at(v = tensor<double, 4>{3e200, 4e200, 0, 0})) == doctest::Approx(5e200));
  CHECK(grad(stddev(v), at(v = tensor<double, 4>{1, 1, 1, 1}))[v] == tensor<double, 4>{});
  // one element: variance 0/0, as PyTorch
  CHECK(std::isnan(value(variance(var<"s", double, 1>), at(var<"s", double, 1> = tensor<double, 1>{2}))));
}

TEST_CASE("an axis that is not there is a compile-time error") {
  constexpr auto x = var<"x", double, 2, 3>;
  static_assert(!requires { { sum<2>(x) } -> expression; });
  static_assert(!requires { { max<-3>(x) } -> expression; });
  static_assert(!requires { { softmax<5>(x) } -> expression; });
  static_assert(requires { { logsumexp<-2>(x) } -> expression; });
  static_assert(std::is_same_v<decltype(sum<0>(x))::shape_type, shape<3>>);
  static_assert(std::is_same_v<decltype(max(x))::shape_type, shape<>>);
}

TEST_CASE_TEMPLATE("reductions and softmax with a dynamic batch, bit for bit", T, float, double) {
  test::same_as_static_rows<T>([](auto X, auto Y, auto, auto, auto, auto, auto) {
    return sum(max<1>(X)) + sum(hadamard(logsumexp<-1>(X), norm<1>(Y))) + sum(hadamard(softmax(X), log_softmax(Y))) +
           sum(sum<0>(X)) + prod(min<0>(Y)) + sum(stddev<1>(X));
  });
}

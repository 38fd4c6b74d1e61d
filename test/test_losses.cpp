// The losses beyond the tutorial's: l1, huber, binary cross-entropy (on probabilities and on
// logits), nll; each reduction; against PyTorch and finite differences; stable at the edges.
#include "gradcheck.hpp"
#include "same_as_static.hpp"
#include "torch_compare.hpp"

#include <cmath>

using namespace ctgrad;
using test::check_gradient;
using test::tensor_of;

namespace {

std::mt19937_64 rng{20261204};

constexpr auto P = var<"p", double, 3, 4>;
constexpr auto Tg = var<"t", double, 3, 4>;

// the loss of p against t, and its gradient for both, against PyTorch's
template <class F, std::size_t N>
void check_loss(F f, const double (&p)[N], const double (&t)[N], const double (&loss)[1], const double (&dp)[N],
                const double (&dt)[N]) {
  const auto g = grad(f(P, Tg), at(P = tensor_of<tensor<double, 3, 4>>(p), Tg = tensor_of<tensor<double, 3, 4>>(t)));
  CHECK(g.value() == doctest::Approx(loss[0]).epsilon(1e-12));
  test::check_close(g[P], dp);
  test::check_close(g[Tg], dt);
}

}  // namespace

#define CTGRAD_LOSS_AGAINST_TORCH(name, ...)                                                                    \
  SUBCASE(#name) {                                                                                              \
    using namespace torch_ref;                                                                                  \
    check_loss([](const auto& p, const auto& t) { return __VA_ARGS__; }, loss_##name##_p, loss_##name##_t,       \
               loss_##name##_loss, loss_##name##_dp, loss_##name##_dt);                                         \
  }

TEST_CASE("losses against PyTorch, both reductions") {
  using nn::reduction;
  CTGRAD_LOSS_AGAINST_TORCH(l1, nn::l1_loss(p, t));
  CTGRAD_LOSS_AGAINST_TORCH(l1_sum, nn::l1_loss<reduction::sum>(p, t));
  CTGRAD_LOSS_AGAINST_TORCH(huber, nn::huber_loss(p, t, 0.7));
  CTGRAD_LOSS_AGAINST_TORCH(huber_sum, nn::huber_loss<reduction::sum>(p, t, 1.3));
  CTGRAD_LOSS_AGAINST_TORCH(bce, nn::binary_cross_entropy(p, t));
  CTGRAD_LOSS_AGAINST_TORCH(bce_soft, nn::binary_cross_entropy<reduction::sum>(p, t));
  CTGRAD_LOSS_AGAINST_TORCH(bce_logits, nn::binary_cross_entropy_with_logits(p, t));
  CTGRAD_LOSS_AGAINST_TORCH(bce_logits_sum, nn::binary_cross_entropy_with_logits<reduction::sum>(p, t));
}

TEST_CASE("nll_loss and cross_entropy against PyTorch, with an ignored row") {
  using namespace torch_ref;
  constexpr auto Z = var<"z", double, 5, 4>;
  constexpr auto labels = input<"labels", int, 5>;
  const auto z = tensor_of<tensor<double, 5, 4>>(loss_scores);
  const auto l = tensor_of<tensor<int, 5>>(loss_labels);
  const auto check = [&](const auto& e, const double (&loss)[1], const double (&dz)[20]) {
    const auto g = grad(e, at(Z = z, labels = l));
    CHECK(g.value() == doctest::Approx(loss[0]).epsilon(1e-12));
    test::check_close(g[Z], dz);
  };
  check(nn::nll_loss(log_softmax(Z), labels), loss_nll_loss, loss_nll_dz);
  check(nn::nll_loss<nn::reduction::sum>(log_softmax(Z), labels), loss_nll_sum_loss, loss_nll_sum_dz);
  check(nn::cross_entropy<nn::reduction::sum>(Z, labels), loss_ce_sum_loss, loss_ce_sum_dz);
}

TEST_CASE_TEMPLATE("losses match finite differences", T, float, double) {
  constexpr auto p = var<"p", T, 2, 3>;
  constexpr auto t = var<"t", T, 2, 3>;
  // (l1 kept away from its kink at p = t, where a difference quotient straddles it)
  check_gradient(nn::l1_loss(p, t * 0.2 + 2.5) + nn::huber_loss<nn::reduction::sum>(p, t, 0.5), rng, {-2, 2}, p, t);
  check_gradient(nn::binary_cross_entropy(sigmoid(p), sigmoid(t)) + nn::binary_cross_entropy_with_logits(p * 3, sigmoid(t)),
                 rng, {-2, 2}, p, t);
  constexpr auto z = var<"z", T, 3, 4>;
  constexpr auto labels = input<"labels", int, 3>;
  test::check_gradient_at(nn::nll_loss(log_softmax(z), labels) + nn::cross_entropy<nn::reduction::sum>(z, labels), rng, {-3, 3},
                          at(labels = tensor<int, 3>{3, ignore_label, 0}), z);
}

TEST_CASE("stable at the edges") {
  constexpr auto z = var<"z", double, 2>;
  constexpr auto t = input<"t", double, 2>;
  // logits of +-800: log(1 + e^800) overflows; the logits form does not
  const auto g = grad(nn::binary_cross_entropy_with_logits<nn::reduction::sum>(z, t),
                      at(z = tensor<double, 2>{800, -800}, t = tensor<double, 2>{0, 0}));
  CHECK(g.value() == 800);
  CHECK(g[z] == tensor<double, 2>{1, 0});
  // probabilities of exactly 0 and 1: each log is at least -100, as PyTorch, and the gradient finite
  const auto b = grad(nn::binary_cross_entropy<nn::reduction::sum>(z, t), at(z = tensor<double, 2>{0, 1}, t = tensor<double, 2>{1, 1}));
  CHECK(b.value() == 100);
  CHECK(std::isfinite(b[z][0]));
  CHECK(b[z][1] == 0);
  // huber is the square near 0 and linear beyond delta
  constexpr auto p = var<"p", double, 2>;
  const auto h = grad(nn::huber_loss<nn::reduction::sum>(p, t, 2.0), at(p = tensor<double, 2>{1, -5}, t = tensor<double, 2>{0, 0}));
  CHECK(h.value() == 0.5 + 2 * (5 - 1));
  CHECK(h[p] == tensor<double, 2>{1, -2});
  CHECK_THROWS_AS(nn::huber_loss(p, t, 0.0), std::invalid_argument);
  // every row ignored: 0, with no gradient
  constexpr auto Z = var<"Z", double, 2, 3>;
  constexpr auto labels = input<"labels", int, 2>;
  const auto none = grad(nn::nll_loss(Z, labels), at(Z = tensor<double, 2, 3>{}, labels = tensor<int, 2>{ignore_label, ignore_label}));
  CHECK(none.value() == 0);
  CHECK(none[Z] == tensor<double, 2, 3>{});
  CHECK_THROWS_WITH_AS(value(nn::nll_loss(Z, labels), at(Z = tensor<double, 2, 3>{}, labels = tensor<int, 2>{0, 3})),
                       "ctgrad: nll_loss: a label is outside [0, number of classes)", label_out_of_range);
}

TEST_CASE_TEMPLATE("losses with a dynamic batch, bit for bit", T, float, double) {
  test::same_as_static_rows<T>([](auto X, auto Y, auto labels, auto W, auto, auto, auto) {
    const auto logits = X * transpose(W);
    return nn::l1_loss(X, Y) + nn::huber_loss<nn::reduction::sum>(X, Y, 0.3) +
           nn::binary_cross_entropy(sigmoid(X), Y * 0.5) + nn::binary_cross_entropy_with_logits(X, Y - 0.5) +
           nn::nll_loss(log_softmax(logits), labels) + nn::cross_entropy<nn::reduction::sum>(logits, labels);
  });
}

// Layers, losses, initialisation and metrics: shapes, names, misuse, gradients against
// finite differences and against PyTorch (test/reference/torch_reference.py).
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gradcheck.hpp"

#include <ctgrad/nn/summary.hpp>
#include "reference/torch_values.hpp"

using namespace ctgrad;
using test::check_gradient;
using test::check_gradient_at;

namespace {

std::mt19937_64 rng{7};

template <class Tensor, std::size_t N>
Tensor from_reference(const double (&values)[N]) {
  static_assert(Tensor::size() == N, "reference array and tensor sizes differ");
  Tensor t{};
  for (std::size_t i = 0; i < N; ++i) t.flat(i) = static_cast<typename Tensor::value_type>(values[i]);
  return t;
}

template <class Tensor, std::size_t N>
void check_close(const Tensor& got, const double (&want)[N], double tol = 1e-12) {
  REQUIRE(Tensor::size() == N);
  for (std::size_t i = 0; i < N; ++i) {
    INFO("element " << i);
    CHECK(static_cast<double>(got.flat(i)) == doctest::Approx(want[i]).epsilon(tol));
  }
}

template <class Set>
std::vector<std::string> names_of(const Set& p) {
  std::vector<std::string> names;
  p.for_each([&](auto leaf, const auto&) { names.emplace_back(decltype(leaf)::name.c_str()); });
  return names;
}

}  // namespace

TEST_CASE("Linear: named parameters, shapes for a sample and for a batch") {
  using Net = nn::Linear<3, 2, double>;
  constexpr auto x = input<"x", double, 3>;
  constexpr auto X = input<"X", double, 5, 3>;
  static_assert(std::is_same_v<decltype(Net{}(x))::shape_type, shape<2>>);
  static_assert(std::is_same_v<decltype(Net{}(X))::shape_type, shape<5, 2>>);
  static_assert(std::is_same_v<decltype(Net::W)::shape_type, shape<2, 3>>);
  static_assert(Net::parameter_set::count == 2 && Net::parameter_set::scalars == 8);
  CHECK(names_of(Net{}.params()) == std::vector<std::string>{"linear.W", "linear.b"});

  // x W^T + b, computed by hand
  Net net{1};
  const tensor<double, 5, 3> xs = tensor<double, 5, 3>::filled(0.5);
  const auto y = value(net(X), at(net, X = xs));
  for (std::size_t r = 0; r < 5; ++r)
    for (std::size_t o = 0; o < 2; ++o) {
      double want = net.params()[Net::b](o);
      for (std::size_t i = 0; i < 3; ++i) want += 0.5 * net.params()[Net::W](o, i);
      CHECK(y(r, o) == doctest::Approx(want));
    }
}

TEST_CASE("MLP: a fold of Linear layers with names fc0, fc1, ...") {
  using Net = nn::MLP<784, 128, 10>;
  static_assert(Net::depth == 2);
  static_assert(Net::parameter_set::count == 4);
  static_assert(Net::parameter_set::scalars == 784 * 128 + 128 + 128 * 10 + 10);
  static_assert(std::is_same_v<decltype(Net::layer<1>::W)::shape_type, shape<10, 128>>);
  static_assert(std::is_same_v<decltype(Net::apply(input<"X", float, 64, 784>))::shape_type, shape<64, 10>>);
  const auto net = std::make_unique<Net>(3);
  CHECK(names_of(net->params()) == std::vector<std::string>{"fc0.W", "fc0.b", "fc1.W", "fc1.b"});
  using Deep = nn::basic_mlp<double, nn::Tanh, 2, 16, 16, 1>;
  static_assert(Deep::depth == 3 && Deep::parameter_set::scalars == 337);
}

namespace {
using LeNet = nn::Sequential<nn::Conv2d<1, 6, 5, 1, 2>, nn::ReLU, nn::MaxPool2d<2>, nn::Conv2d<6, 16, 5>, nn::ReLU,
                             nn::MaxPool2d<2>, nn::Flatten, nn::Linear<400, 120>, nn::ReLU, nn::Linear<120, 84>, nn::ReLU,
                             nn::Linear<84, 10>>;
}  // namespace

TEST_CASE("Sequential: any layers in a chain, parameters named by kind and order") {
  static_assert(LeNet::size == 12);
  static_assert(LeNet::parameter_set::count == 10);
  static_assert(LeNet::parameter_set::scalars == 6 * 25 + 6 + 16 * 6 * 25 + 16 + 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10);
  static_assert(std::is_same_v<decltype(LeNet::apply(input<"X", float, dyn, 1, 28, 28>))::shape_type, shape<dyn, 10>>);
  static_assert(std::is_same_v<decltype(LeNet::layer<3>::W)::shape_type, shape<16, 6, 5, 5>>);
  static_assert(std::is_same_v<decltype(LeNet::layer<11>::b)::shape_type, shape<10>>);
  const auto net = std::make_unique<LeNet>(3);
  CHECK(names_of(net->params()) == std::vector<std::string>{"conv0.W", "conv0.b", "conv1.W", "conv1.b", "fc0.W", "fc0.b",
                                                            "fc1.W", "fc1.b", "fc2.W", "fc2.b"});
  // Kaiming-uniform over the fan-in (in channels x kernel area for a convolution), zero biases
  const auto& w = net->params()[LeNet::layer<3>::W];
  const double bound = std::sqrt(6.0 / (6 * 25));
  CHECK(*std::max_element(w.begin(), w.end()) <= bound);
  CHECK(*std::max_element(w.begin(), w.end()) > 0.9 * bound);
  CHECK(*std::min_element(w.begin(), w.end()) >= -bound);
  const auto& b = net->params()[LeNet::layer<0>::b];
  CHECK(std::all_of(b.begin(), b.end(), [](float v) { return v == 0; }));
  // the same kind twice keeps distinct names; a model of one layer works too
  using Two = nn::Sequential<nn::Linear<3, 3, double>, nn::Tanh, nn::Linear<3, 3, double>>;
  CHECK(names_of(Two{1}.params()) == std::vector<std::string>{"fc0.W", "fc0.b", "fc1.W", "fc1.b"});
  using One = nn::Sequential<nn::Conv2d<2, 3, 3, 1, 1, 1, double>>;
  static_assert(std::is_same_v<decltype(One::apply(var<"x", double, 4, 2, 5, 5>))::shape_type, shape<4, 3, 5, 5>>);
}

TEST_CASE("MLP is a Sequential: the same expression and parameters as the layers written out") {
  using Net = nn::MLP<6, 5, 4, 3>;
  using Chain = nn::Sequential<nn::Linear<6, 5>, nn::ReLU, nn::Linear<5, 4>, nn::ReLU, nn::Linear<4, 3>>;
  constexpr auto X = input<"X", float, 2, 6>;
  static_assert(std::is_same_v<decltype(Net::apply(X)), decltype(Chain::apply(X))>);
  static_assert(std::is_same_v<Net::parameter_set, Chain::parameter_set>);
  const Net a{9};
  const Chain b{9};
  CHECK(a.params() == b.params());
}

TEST_CASE_TEMPLATE("a small convolutional Sequential: gradients against finite differences", T, float, double) {
  using Net = nn::Sequential<nn::Conv2d<2, 3, 3, 1, 1, 1, T>, nn::Tanh, nn::AvgPool2d<2>, nn::Conv2d<3, 2, 2, 1, 0, 1, T>,
                             nn::Flatten, nn::Linear<8, 2, T>>;
  constexpr auto X = input<"X", T, 3, 2, 6, 6>;
  constexpr auto labels = input<"labels", int, 3>;
  const Net net{4};
  const auto loss = nn::cross_entropy(Net::apply(X), labels);
  tensor<T, 3, 2, 6, 6> xv;
  for (auto& v : xv) v = static_cast<T>(std::uniform_real_distribution<double>(-1, 1)(rng));
  const tensor<int, 3> yv{0, 1, 1};
  const auto report = gradcheck(loss, at(net, X = xv, labels = yv), {.atol = test::fd_tolerance<T>()});
  INFO(report);
  CHECK(bool(report));
}

TEST_CASE("misuse of layers and losses is detectable without a failing build") {
  using Net = nn::Linear<3, 2, double>;
  using Mlp = nn::basic_mlp<double, nn::ReLU, 3, 4, 2>;
  constexpr auto wrong = input<"x", double, 5, 4>;
  constexpr auto ok = input<"x", double, 5, 3>;
  static_assert(requires { { Net::apply(ok) } -> expression; });
  static_assert(!requires { { Net::apply(wrong) } -> expression; });
  static_assert(requires { { Mlp::apply(ok) } -> expression; });
  static_assert(!requires { { Mlp::apply(wrong) } -> expression; });
  using E = decltype(Net::apply(wrong));
  CHECK(std::string(E::message.c_str()) == "nn::Linear `linear` takes [3] or [B,3], got [5,4]");

  constexpr auto Y = input<"Y", double, 5, 2>;
  constexpr auto y = input<"y", double, 5>;
  static_assert(requires { { nn::mse(Net::apply(ok), Y) } -> expression; });
  static_assert(!requires { { nn::mse(Net::apply(ok), y) } -> expression; });
  static_assert(!requires { { nn::squared_loss(Net::apply(ok), y) } -> expression; });
  using L = decltype(nn::squared_loss(Net::apply(ok), y));
  CHECK(std::string(L::message.c_str()) == "nn::squared_loss: prediction [5,2] and target [5] differ");

  constexpr auto labels = input<"labels", int, 5>;
  constexpr auto float_labels = input<"labels", double, 5>;
  static_assert(requires { { nn::cross_entropy(Net::apply(ok), labels) } -> expression; });
  static_assert(!requires { { nn::cross_entropy(Net::apply(ok), float_labels) } -> expression; });
  static_assert(!requires { { nn::cross_entropy(Net::apply(ok), input<"l", int, 4>) } -> expression; });
  using C = decltype(nn::cross_entropy(Net::apply(ok), float_labels));
  CHECK(std::string(C::message.c_str()) == "cross_entropy: labels must be integers (class indices), got double");
}

TEST_CASE("initialisation: seeded, deterministic, every weight its own value") {
  using Net = nn::MLP<20, 30, 5>;
  const Net a{11}, b{11}, c{12};
  CHECK(a.params() == b.params());
  CHECK(!(a.params() == c.params()));
  const auto& W = a.params()[Net::layer<0>::W];
  const double bound = std::sqrt(6.0 / 20);
  std::vector<float> seen(W.begin(), W.end());
  for (float v : seen) CHECK(std::abs(v) <= bound);
  std::sort(seen.begin(), seen.end());
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());  // no weight repeated
  for (float v : a.params()[Net::layer<0>::b]) CHECK(v == 0.0f);

  const Net x{11, nn::init::xavier_uniform};
  for (float v : x.params()[Net::layer<1>::W]) CHECK(std::abs(v) <= std::sqrt(6.0 / (30 + 5)));
  const Net u{11, nn::init::uniform01};
  u.params().for_each([](auto, const auto& t) {
    for (float v : t) CHECK((v >= 0.0f && v < 1.0f));
  });
  CHECK(u.params()[Net::layer<1>::b](0) != u.params()[Net::layer<1>::b](1));

  // the same values in a constant expression
  constexpr Net k{11};
  CHECK(k.params() == a.params());
}

TEST_CASE_TEMPLATE("layer and loss gradients match finite differences", T, float, double) {
  using Lin = nn::Linear<4, 3, T>;
  constexpr auto X = input<"X", T, 5, 4>;
  constexpr auto x = input<"x", T, 4>;
  constexpr auto Y = input<"Y", T, 5, 3>;
  check_gradient(nn::squared_loss(Lin::apply(X), Y), rng, {}, Lin::W, Lin::b, X, Y);
  check_gradient(nn::mse(Lin::apply(X), Y), rng, {}, Lin::W, Lin::b, X, Y);
  check_gradient(nn::mse(Lin::apply(x), input<"y", T, 3>), rng, {}, Lin::W, Lin::b, x, input<"y", T, 3>);

  using Relu = nn::basic_mlp<T, nn::ReLU, 4, 6, 3>;
  using Tanh = nn::basic_mlp<T, nn::Tanh, 4, 5, 5, 3>;
  using Sig = nn::basic_mlp<T, nn::Sigmoid, 4, 6, 3>;
  using R0 = typename Relu::template layer<0>;
  using R1 = typename Relu::template layer<1>;
  using T0 = typename Tanh::template layer<0>;
  using T1 = typename Tanh::template layer<1>;
  using T2 = typename Tanh::template layer<2>;
  using S0 = typename Sig::template layer<0>;
  using S1 = typename Sig::template layer<1>;
  // ReLU networks in double only: float's difference step (~5e-3) straddles a kink of some
  // hidden unit often enough, and a central difference across a kink is off by O(1)
  if constexpr (std::is_same_v<T, double>)
    check_gradient(nn::mse(Relu::apply(X), Y), rng, {}, R0::W, R0::b, R1::W, R1::b, X, Y);
  check_gradient(nn::squared_loss(Tanh::apply(X), Y), rng, {}, T0::W, T0::b, T1::W, T1::b, T2::W, T2::b, X, Y);
  check_gradient(nn::mse(Sig::apply(X), Y), rng, {}, S0::W, S0::b, S1::W, S1::b, X, Y);
  constexpr auto labels = input<"labels", int, 5>;
  const tensor<int, 5> l{2, 0, 1, 2, 1};
  check_gradient_at(nn::cross_entropy(Lin::apply(X), labels), rng, {-2, 2}, at(labels = l), Lin::W, Lin::b, X);
  if constexpr (std::is_same_v<T, double>)
    check_gradient_at(nn::cross_entropy(Relu::apply(X), labels), rng, {}, at(labels = l), X, R0::W, R0::b, R1::W,
                      R1::b);
  check_gradient_at(nn::cross_entropy(Tanh::apply(X), labels), rng, {}, at(labels = l), X, T0::W, T0::b, T1::W,
                    T1::b, T2::W, T2::b);
}

TEST_CASE("cross_entropy, Linear and MLP agree with PyTorch") {
  SUBCASE("cross_entropy") {
    constexpr auto Z = var<"Z", double, 4, 5>;
    constexpr auto labels = input<"labels", int, 4>;
    const auto z = from_reference<tensor<double, 4, 5>>(torch_ref::ce_logits);
    tensor<int, 4> l{};
    for (std::size_t i = 0; i < 4; ++i) l.flat(i) = torch_ref::ce_labels[i];
    const auto g = grad(nn::cross_entropy(Z, labels), at(Z = z, labels = l));
    CHECK(g.value() == doctest::Approx(torch_ref::ce_loss[0]).epsilon(1e-12));
    check_close(g[Z], torch_ref::ce_grad);
  }
  SUBCASE("Linear, squared loss") {
    using Net = nn::Linear<3, 2, double>;
    constexpr auto X = input<"X", double, 4, 3>;
    constexpr auto Y = input<"Y", double, 4, 2>;
    Net net;
    net.params()[Net::W] = from_reference<tensor<double, 2, 3>>(torch_ref::lin_W);
    net.params()[Net::b] = from_reference<tensor<double, 2>>(torch_ref::lin_b);
    const auto xs = from_reference<tensor<double, 4, 3>>(torch_ref::lin_X);
    const auto ys = from_reference<tensor<double, 4, 2>>(torch_ref::lin_Y);
    const auto g = grad(nn::squared_loss(net(X), Y), at(net, X = xs, Y = ys));
    CHECK(g.value() == doctest::Approx(torch_ref::lin_loss[0]).epsilon(1e-12));
    check_close(g[Net::W], torch_ref::lin_dW);
    check_close(g[Net::b], torch_ref::lin_db);
  }
  auto check_mlp = [](auto net, const auto& r) {
    using Net = decltype(net);
    constexpr auto X = input<"X", double, 5, 3>;
    constexpr auto Y = input<"Y", double, 5, 2>;
    net.params()[Net::template layer<0>::W] = from_reference<tensor<double, 4, 3>>(r.W0);
    net.params()[Net::template layer<0>::b] = from_reference<tensor<double, 4>>(r.b0);
    net.params()[Net::template layer<1>::W] = from_reference<tensor<double, 2, 4>>(r.W1);
    net.params()[Net::template layer<1>::b] = from_reference<tensor<double, 2>>(r.b1);
    const auto xs = from_reference<tensor<double, 5, 3>>(r.X);
    const auto ys = from_reference<tensor<double, 5, 2>>(r.Y);
    const auto g = grad(nn::mse(net(X), Y), at(net, X = xs, Y = ys));
    CHECK(g.value() == doctest::Approx(r.loss[0]).epsilon(1e-12));
    check_close(g[Net::template layer<0>::W], r.dW0);
    check_close(g[Net::template layer<0>::b], r.db0);
    check_close(g[Net::template layer<1>::W], r.dW1);
    check_close(g[Net::template layer<1>::b], r.db1);
  };
#define CTGRAD_TEST_MLP_REFERENCE(prefix)                                                                     \
  struct {                                                                                                    \
    const double(&X)[15] = torch_ref::prefix##_X;                                                             \
    const double(&Y)[10] = torch_ref::prefix##_Y;                                                             \
    const double(&W0)[12] = torch_ref::prefix##_W0;                                                           \
    const double(&b0)[4] = torch_ref::prefix##_b0;                                                            \
    const double(&W1)[8] = torch_ref::prefix##_W1;                                                            \
    const double(&b1)[2] = torch_ref::prefix##_b1;                                                            \
    const double(&loss)[1] = torch_ref::prefix##_loss;                                                        \
    const double(&dW0)[12] = torch_ref::prefix##_dW0;                                                         \
    const double(&db0)[4] = torch_ref::prefix##_db0;                                                          \
    const double(&dW1)[8] = torch_ref::prefix##_dW1;                                                          \
    const double(&db1)[2] = torch_ref::prefix##_db1;                                                          \
  }
  SUBCASE("MLP 3-4-2, ReLU, mse") {
    CTGRAD_TEST_MLP_REFERENCE(mlp_relu) r;
    check_mlp(nn::basic_mlp<double, nn::ReLU, 3, 4, 2>{}, r);
  }
  SUBCASE("MLP 3-4-2, tanh, mse") {
    CTGRAD_TEST_MLP_REFERENCE(mlp_tanh) r;
    check_mlp(nn::basic_mlp<double, nn::Tanh, 3, 4, 2>{}, r);
  }
#undef CTGRAD_TEST_MLP_REFERENCE
}

TEST_CASE("cross_entropy: stable at large logits, checked labels") {
  constexpr auto Z = var<"Z", float, 2, 3>;
  constexpr auto labels = input<"labels", int, 2>;
  const tensor<float, 2, 3> z{{1e4f, 0.0f, -1e4f}, {0.0f, 1e4f, 1e4f}};
  const tensor<int, 2> l{0, 0};
  const auto g = grad(nn::cross_entropy(Z, labels), at(Z = z, labels = l));
  // row 0 is certain and right (loss 0); row 1 puts half on each of two wrong classes
  // and is off by 1e4 + log 2
  CHECK(g.value() == doctest::Approx((1e4 + std::log(2.0)) / 2).epsilon(1e-6));
  CHECK(g[Z](0, 0) == doctest::Approx(0.0));
  CHECK(g[Z](1, 0) == doctest::Approx(-0.5));
  CHECK(g[Z](1, 1) == doctest::Approx(0.25));
  const tensor<int, 2> bad{0, 3};
  CHECK_THROWS_AS((void)value(nn::cross_entropy(Z, labels), at(Z = z, labels = bad)), ctgrad::label_out_of_range);
  const tensor<int, 2> negative{-2, 0};  // -1 is the padding label
  CHECK_THROWS_AS((void)value(nn::cross_entropy(Z, labels), at(Z = z, labels = negative)), ctgrad::label_out_of_range);
}

TEST_CASE("cross_entropy: padding rows (label -1) are left out of the loss and its mean") {
  constexpr auto Z = var<"Z", double, 4, 3>;
  constexpr auto Z2 = var<"Z2", double, 2, 3>;
  constexpr auto labels = input<"labels", int, 4>;
  constexpr auto labels2 = input<"labels2", int, 2>;
  const tensor<double, 4, 3> z{{1, 2, 3}, {0.5, -1, 2}, {9, 9, 9}, {-3, 0, 1}};
  const tensor<double, 2, 3> z2{{1, 2, 3}, {0.5, -1, 2}};
  const auto padded = grad(nn::cross_entropy(Z, labels), at(Z = z, labels = tensor<int, 4>{2, 0, ignore_label, ignore_label}));
  const auto real = grad(nn::cross_entropy(Z2, labels2), at(Z2 = z2, labels2 = tensor<int, 2>{2, 0}));
  CHECK(padded.value() == doctest::Approx(real.value()));
  for (std::size_t c = 0; c < 3; ++c) {
    CHECK(padded[Z](0, c) == doctest::Approx(real[Z2](0, c)));
    CHECK(padded[Z](1, c) == doctest::Approx(real[Z2](1, c)));
    CHECK(padded[Z](2, c) == 0.0);
    CHECK(padded[Z](3, c) == 0.0);
  }
  const auto none = grad(nn::cross_entropy(Z, labels), at(Z = z, labels = tensor<int, 4>::filled(ignore_label)));
  CHECK(none.value() == 0.0);
  CHECK(none[Z](0, 0) == 0.0);
}

TEST_CASE("argmax and accuracy") {
  const tensor<float, 3, 4> logits{{0, 5, 1, 2}, {9, 1, 1, 9}, {-3, -2, -1, -4}};
  const auto best = nn::argmax(logits);
  CHECK(best(0) == 1);
  CHECK(best(1) == 0);  // first on ties
  CHECK(best(2) == 2);
  CHECK(nn::accuracy(logits, tensor<int, 3>{1, 3, 2}) == doctest::Approx(2.0 / 3));
  CHECK(nn::argmax(tensor<double, 3>{0.1, 0.3, 0.2}) == 1);
  static_assert(nn::correct(tensor<float, 2, 2>{{1, 0}, {0, 1}}, tensor<int, 2>{0, 1}) == 2);
}

TEST_CASE("argmax and accuracy with a dynamic batch, and of a workspace's value") {
  const tensor<float, 3, 4> fixed{{0, 5, 1, 2}, {9, 1, 1, 9}, {-3, -2, -1, -4}};
  const auto logits = tensor<float, dyn, 4>::from_range(3, fixed.begin());
  const auto best = nn::argmax(logits);
  REQUIRE(best.rows() == 3);
  CHECK(best == tensor<int, dyn>::from_range(3, nn::argmax(fixed).begin()));
  CHECK(nn::argmax(logits, 1) == 0);
  const auto labels = tensor<int, dyn>::from_range(3, tensor<int, 3>{1, 3, 2}.begin());
  CHECK(nn::correct(logits, labels) == 2);
  CHECK(nn::accuracy(logits, labels) == doctest::Approx(2.0 / 3));
  CHECK(nn::accuracy(tensor<float, dyn, 4>{}, tensor<int, dyn>{}) == 0.0);  // no rows: no NaN
  CHECK_THROWS_WITH_AS(nn::correct(logits, tensor<int, dyn>(2)), "ctgrad: nn::correct: the logits have 3 rows, the labels 2",
                       shape_error);
  // a workspace's value of a dynamic batch is a tensor_span
  constexpr auto Z = input<"Z", float, dyn, 4>;
  const auto expr = 2.0f * Z;
  workspace<std::remove_cvref_t<decltype(expr)>, wrt_t<>> ws(3);
  const auto& z = ws.value(expr, at(Z = logits));
  CHECK(nn::correct(z, labels) == 2);
  CHECK(nn::argmax(z, 0) == 1);
}

TEST_CASE("summary lists every parameter") {
  const nn::MLP<784, 128, 10> net;
  const std::string s = nn::summary(net);
  CHECK(s.find("fc0.W") != std::string::npos);
  CHECK(s.find("[128,784]") != std::string::npos);
  CHECK(s.find("100352") != std::string::npos);
  CHECK(s.find("fc1.b") != std::string::npos);
  CHECK(s.find("101770 (397.5 KiB)") != std::string::npos);
  MESSAGE(s);
}

TEST_CASE("summary of a Sequential: every layer, its output shape and parameter count") {
  const auto net = std::make_unique<LeNet>();
  const std::string s = nn::summary(*net, input<"X", float, dyn, 1, 28, 28>);
  const std::vector<std::string> lines = [&] {
    std::vector<std::string> out;
    std::string line;
    for (char c : s) {
      if (c == '\n') {
        out.push_back(line.substr(0, line.find_last_not_of(' ') + 1));
        line.clear();
      } else {
        line += c;
      }
    }
    return out;
  }();
  REQUIRE(lines.size() == 14);  // a header, 12 layers, the total
  auto fields = [](const std::string& line) {
    std::vector<std::string> f;
    std::size_t i = 0;
    while ((i = line.find_first_not_of(' ', i)) != std::string::npos) {
      const std::size_t j = line.find(' ', i);
      f.push_back(line.substr(i, j - i));
      i = j;
    }
    return f;
  };
  CHECK(fields(lines[1]) == std::vector<std::string>{"conv0", "[dyn,6,28,28]", "156"});
  CHECK(fields(lines[3]) == std::vector<std::string>{"max_pool2d", "[dyn,6,14,14]", "0"});
  CHECK(fields(lines[4]) == std::vector<std::string>{"conv1", "[dyn,16,10,10]", "2416"});
  CHECK(fields(lines[7]) == std::vector<std::string>{"flatten", "[dyn,400]", "0"});
  CHECK(fields(lines[12]) == std::vector<std::string>{"fc2", "[dyn,10]", "850"});
  CHECK(fields(lines[13]) == std::vector<std::string>{"total", "61706"});
  MESSAGE(s);
}

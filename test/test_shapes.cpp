// The shape operations: reshape, flatten, squeeze, unsqueeze, transpose of any two axes,
// broadcast_to, index, slice, concat, stack, one_hot and cast. Finite differences, PyTorch's
// values and gradients, the shapes they make, their mistakes, and a dynamic batch.
#include "gradcheck.hpp"
#include "same_as_static.hpp"
#include "torch_compare.hpp"

#include <string>

using namespace ctgrad;
using test::check_gradient;

namespace {

std::mt19937_64 rng{20261203};

template <class E, class S>
inline constexpr bool has_shape = std::is_same_v<typename std::remove_cvref_t<E>::shape_type, S>;

}  // namespace

TEST_CASE("the shapes they make") {
  constexpr auto x = var<"x", double, 2, 3, 4>;
  constexpr auto s = var<"s">;
  static_assert(has_shape<decltype(reshape<4, 6>(x)), shape<4, 6>>);
  static_assert(has_shape<decltype(flatten(x)), shape<24>>);
  static_assert(has_shape<decltype(flatten<1>(x)), shape<2, 12>>);
  static_assert(has_shape<decltype(flatten(s)), shape<1>>);
  static_assert(has_shape<decltype(unsqueeze<0>(x)), shape<1, 2, 3, 4>>);
  static_assert(has_shape<decltype(unsqueeze<-1>(x)), shape<2, 3, 4, 1>>);
  static_assert(has_shape<decltype(squeeze(reshape<1, 2, 1, 12>(x))), shape<2, 12>>);
  static_assert(has_shape<decltype(squeeze<2>(reshape<1, 2, 1, 12>(x))), shape<1, 2, 12>>);
  static_assert(has_shape<decltype(transpose<0, 2>(x)), shape<4, 3, 2>>);
  static_assert(has_shape<decltype(transpose<-1, 1>(x)), shape<2, 4, 3>>);
  static_assert(has_shape<decltype(broadcast_to<5, 2, 3, 4>(x)), shape<5, 2, 3, 4>>);
  static_assert(has_shape<decltype(index<1>(x)), shape<3, 4>>);
  static_assert(has_shape<decltype(index<2>(index<1>(index<0>(x)))), shape<>>);
  static_assert(has_shape<decltype(slice<-1, 1, 3>(x)), shape<2, 3, 2>>);
  static_assert(has_shape<decltype(concat<1>(x, x, x, x, x)), shape<2, 15, 4>>);
  static_assert(has_shape<decltype(stack(s, s, s, s, s, s, s)), shape<7>>);
  static_assert(has_shape<decltype(stack<1>(x, x)), shape<2, 2, 3, 4>>);
  static_assert(has_shape<decltype(one_hot<10>(input<"l", int, 5>)), shape<5, 10>>);
  static_assert(std::is_same_v<decltype(one_hot<10>(input<"l", int, 5>))::value_type, float>);
  static_assert(std::is_same_v<decltype(cast<float>(x))::value_type, float>);
}

TEST_CASE("their mistakes are compile-time errors that name both shapes") {
  constexpr auto x = var<"x", double, 2, 3, 4>;
  constexpr auto X = input<"X", double, dyn, 3>;
#define message(...) std::string(decltype(__VA_ARGS__)::message.c_str())
  CHECK(message(reshape<5, 5>(x)) == "reshape: [2,3,4] and [5,5] have different numbers of elements");
  CHECK(message(reshape<6>(X)) == "reshape: [dyn,3] cannot become [6]: a dyn first dimension stays the first, and a static shape stays static");
  CHECK(message(squeeze<1>(x)) == "squeeze: axis 1 of [2,3,4] has extent 3, not 1");
  CHECK(message(flatten(X)) == "flatten: [dyn,3] would merge its dyn batch with the other axes (flatten<1> keeps the batch)");
  CHECK(message(unsqueeze<0>(X)) == "unsqueeze: an axis before the dyn batch of [dyn,3] would put dyn after the first dimension");
  CHECK(message(transpose<0, 3>(x)) == "transpose: axis 3 is not an axis of [2,3,4]");
  CHECK(message(transpose<0, 1>(X)) == "transpose: the dyn batch of [dyn,3] stays the first axis");
  CHECK(message(broadcast_to<2, 3>(x)) ==
        "broadcast_to: [2,3,4] does not broadcast to [2,3] (its dimensions must be the trailing ones, each equal or 1; a dyn batch in both or neither)");
  CHECK(message(index<2>(x)) == "index: element 2 is past the end of [2,3,4]");
  CHECK(message(slice<1, 2, 4>(x)) == "slice: elements 2 to 4 (end excluded) are not a part of axis 1 of [2,3,4]");
  CHECK(message(slice<0, 0, 1>(X)) == "slice: axis 0 of [dyn,3] is the dyn batch, whose length is known only at run time");
  CHECK(message(concat<0>(x, var<"y", double, 2, 4, 4>)) == "concat: operands differ in more than axis 0: [2,3,4], [2,4,4]");
  CHECK(message(concat<0>(x, var<"y", double, 2, 3>)) == "concat: operands of different ranks: [2,3,4], [2,3]");
  CHECK(message(stack(x, var<"y", double, 2, 3>)) == "stack: operands of different ranks: [2,3,4], [2,3]");
  CHECK(message(concat<0>(X, X)) == "concat: the dyn batch of [dyn,3] stays the first axis, and one length");
  CHECK(message(one_hot<3>(x)) == "one_hot: labels must be integers (class indices), got double");
#undef message
}

TEST_CASE_TEMPLATE("shape operations match finite differences", T, float, double) {
  constexpr auto x = var<"x", T, 2, 3, 4>;
  constexpr auto a = var<"a", T>;
  constexpr auto b = var<"b", T>;
  constexpr auto v = var<"v", T, 4>;
  check_gradient(test::weighted<4, 6>(reshape<4, 6>(x), rng) + test::weighted<24>(flatten(x), rng) +
                     test::weighted<2, 12>(flatten<1>(x), rng),
                 rng, {}, x);
  check_gradient(test::weighted<2, 1, 3, 4>(unsqueeze<1>(x), rng) + test::weighted<2, 3, 4>(squeeze(unsqueeze<-1>(x)), rng), rng,
                 {}, x);
  check_gradient(test::weighted<4, 3, 2>(transpose<0, 2>(x), rng) + test::weighted<2, 4, 3>(transpose<2, 1>(x), rng) +
                     test::weighted<3, 2, 4>(transpose<0, 1>(x), rng),
                 rng, {}, x);
  check_gradient(test::weighted<3, 2, 3, 4>(broadcast_to<3, 2, 3, 4>(x), rng) +
                     test::weighted<2, 3, 4>(broadcast_to<2, 3, 4>(unsqueeze<-1>(sum<-1>(x))), rng),
                 rng, {}, x);
  check_gradient(test::weighted<3, 4>(index<1>(x), rng) + test::weighted<2, 2, 4>(slice<1, 1, 3>(x), rng) +
                     test::weighted<2, 3, 2>(slice<-1, 0, 2>(x), rng),
                 rng, {}, x);
  check_gradient(test::weighted<2, 7, 4>(concat<1>(x, sin(x), slice<1, 0, 1>(x)), rng) +
                     test::weighted<2, 3, 16>(concat<-1>(x, x * 2, square(x), x), rng),
                 rng, {}, x);
  check_gradient(test::weighted<2, 2, 3, 4>(stack(x, sin(x)), rng) + test::weighted<3, 4, 2>(stack<-1>(index<0>(x), index<1>(x)), rng),
                 rng, {}, x);
  // the arm's position: two scalars stacked, then a vector's elements taken apart
  check_gradient(test::weighted<5>(stack(a * b, sin(a), b, a + 1, T(3) * b), rng) + index<2>(v) * a, rng, {}, a, b, v);
  check_gradient(test::weighted<2, 3, 4>(cast<T>(cast<double>(x) * 2.0), rng), rng, {}, x);
}

TEST_CASE("shape operations against PyTorch") {
  CTGRAD_AGAINST_TORCH(reshape, reshape<4, 6>(x));
  CTGRAD_AGAINST_TORCH(flatten, flatten(x));
  CTGRAD_AGAINST_TORCH(flatten1, flatten<1>(x));
  CTGRAD_AGAINST_TORCH(unsqueeze1, unsqueeze<1>(x));
  CTGRAD_AGAINST_TORCH(squeeze, squeeze(reshape<2, 1, 12, 1>(x)));
  CTGRAD_AGAINST_TORCH(transpose02, transpose<0, 2>(x));
  CTGRAD_AGAINST_TORCH(transpose12, transpose<1, 2>(x));
  CTGRAD_AGAINST_TORCH(broadcast_to, broadcast_to<2, 2, 3, 4>(x));
  CTGRAD_AGAINST_TORCH(broadcast_column, broadcast_to<2, 3, 4>(unsqueeze<-1>(sum<-1>(x))));
  CTGRAD_AGAINST_TORCH(index1, index<1>(x));
  CTGRAD_AGAINST_TORCH(slice1, slice<1, 1, 3>(x));
  CTGRAD_AGAINST_TORCH(slice_last, slice<-1, 0, 2>(x));
  CTGRAD_AGAINST_TORCH(concat1, concat<1>(x, 2.0 * slice<1, 0, 2>(x)));
  CTGRAD_AGAINST_TORCH(concat_last, concat<-1>(x, sin(x), hadamard(x, x), x));
  CTGRAD_AGAINST_TORCH(stack, stack(x, sin(x)));
  CTGRAD_AGAINST_TORCH(stack_last, stack<-1>(index<0>(x), index<1>(x)));
}

TEST_CASE("one_hot") {
  constexpr auto labels = input<"labels", int, 4>;
  const auto oh = value(one_hot<3>(labels), at(labels = tensor<int, 4>{2, 0, ignore_label, 1}));
  CHECK(oh == tensor<float, 4, 3>{{0, 0, 1}, {1, 0, 0}, {0, 0, 0}, {0, 1, 0}});
  CHECK_THROWS_WITH_AS(value(one_hot<3>(labels), at(labels = tensor<int, 4>{2, 3, 0, 1})),
                       "ctgrad: one_hot: a label is outside [0, number of classes)", label_out_of_range);
  // as a target: the gradient reaches the scores, not the labels
  constexpr auto z = var<"z", float, 4, 3>;
  const auto g = grad(sum(hadamard(one_hot<3>(labels), z)), at(labels = tensor<int, 4>{2, 0, 1, 1}, z = tensor<float, 4, 3>{}));
  CHECK(g[z] == tensor<float, 4, 3>{{0, 0, 1}, {1, 0, 0}, {0, 1, 0}, {0, 1, 0}});
}

TEST_CASE("index of a dynamic batch: a row, or a shape_error") {
  constexpr auto X = var<"X", double, dyn, 2>;
  tensor<double, dyn, 2> x(3);
  for (std::size_t i = 0; i < 6; ++i) x.flat(i) = double(i);
  const auto g = grad(sum(index<2>(X)), at(X = x));
  CHECK(g.value() == 9);
  CHECK(g[X].flat(4) == 1);
  CHECK(g[X].flat(1) == 0);
  CHECK_THROWS_WITH_AS(value(index<3>(X), at(X = x)), "ctgrad: index: row 3 of 3 rows", shape_error);
}

TEST_CASE_TEMPLATE("shape operations with a dynamic batch, bit for bit", T, float, double) {
  test::same_as_static_rows<T>([](auto X, auto Y, auto, auto, auto, auto, auto) {
    return sum(hadamard(flatten<1>(reshape<decltype(X)::shape_type::dim(0), 5, 1>(X)), Y)) + sum(slice<1, 1, 4>(X)) +
           sum(hadamard(concat<1>(X, sin(Y)), concat<-1>(Y, X))) + sum(transpose<1, 2>(unsqueeze<1>(X))) +
           sum(stack<1>(X, Y)) + sum(broadcast_to<decltype(X)::shape_type::dim(0), 5>(unsqueeze<-1>(sum<1>(X)))) + sum(index<0>(Y));
  });
}

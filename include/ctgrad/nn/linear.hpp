// A fully connected layer as an expression:  nn::Linear<In, Out> fc{seed};  fc(x)
//
//   x [In]     ->  W * x + b                 [Out]
//   x [B, In]  ->  x * transpose(W) + b      [B, Out]   (b added to every row)
//
// W [Out, In] and b [Out] are leaves named "<Name>.W" and "<Name>.b"; their values live in
// the layer object (params()). The layer's backward pass is the one the compiler builds for
// that expression: there is no hand-written layer gradient.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/diagnostics.hpp"
#include "ctgrad/expr/expression.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/nn/parameters.hpp"
#include "ctgrad/ops/functions.hpp"
#include "ctgrad/ops/linalg.hpp"

namespace ctgrad::nn {

namespace detail {
template <std::size_t In, std::size_t Out, class T, fixed_string Name>
struct linear_leaves {
  using weight = leaf<Name + fixed_string(".W"), T, true, Out, In>;
  using bias = leaf<Name + fixed_string(".b"), T, true, Out>;
};

// The expression a Linear layer builds from x, or the invalid<> that says why it cannot.
template <class Leaves, std::size_t In, std::size_t Out, fixed_string Name, class X>
constexpr auto linear_applied() {
  using W = typename Leaves::weight;
  using B = typename Leaves::bias;
  using S = typename X::shape_type;
  if constexpr (S::rank == 1 && S::dim(0) == In) {
    return std::type_identity<decltype(W{} * std::declval<const X&>() + B{})>{};
  } else if constexpr (S::rank == 2 && S::dim(1) == In) {
    return std::type_identity<decltype(std::declval<const X&>() * transpose(W{}) + B{})>{};
  } else {
    return std::type_identity<
        invalid<error_kind::shape_mismatch,
                fixed_string("nn::Linear `") + Name + fixed_string("` takes [") + ctgrad::detail::to_fixed_string<In>() +
                    fixed_string("] or [B,") + ctgrad::detail::to_fixed_string<In>() + fixed_string("], got ") +
                    ctgrad::shape_string(S{})>>{};
  }
}
template <class Leaves, std::size_t In, std::size_t Out, fixed_string Name, class X>
struct linear_result {
  using type = typename decltype(linear_applied<Leaves, In, Out, Name, X>())::type;
};
template <class Leaves, std::size_t In, std::size_t Out, fixed_string Name, class X>
  requires ctgrad::detail::is_invalid<X>
struct linear_result<Leaves, In, Out, Name, X> {
  using type = X;  // reported where it arose
};
template <class Leaves, std::size_t In, std::size_t Out, fixed_string Name, class X>
using linear_result_t = typename linear_result<Leaves, In, Out, Name, std::remove_cvref_t<X>>::type;
}  // namespace detail

template <std::size_t In, std::size_t Out, class T, fixed_string Name>
using linear_parameters = nn::parameter_set<typename detail::linear_leaves<In, Out, T, Name>::weight,
                                            typename detail::linear_leaves<In, Out, T, Name>::bias>;

template <std::size_t In, std::size_t Out, class T = float, fixed_string Name = "linear">
class Linear : public parameter_owner<linear_parameters<In, Out, T, Name>> {
  using leaves = detail::linear_leaves<In, Out, T, Name>;

 public:
  static constexpr std::size_t in_features = In, out_features = Out;
  static constexpr typename leaves::weight W{};
  static constexpr typename leaves::bias b{};
  using parameter_set = linear_parameters<In, Out, T, Name>;
  // in a Sequential: named fc0, fc1, ...
  static constexpr auto kind = fixed_string("fc");
  template <fixed_string N>
  using named = Linear<In, Out, T, N>;

  // all parameters zero (e.g. before load())
  constexpr Linear() = default;
  // seeded initialisation (Kaiming-uniform weights and zero biases by default)
  constexpr explicit Linear(std::uint64_t seed, init scheme = init::kaiming_uniform) {
    initialize(this->params_, seed, scheme);
  }

  // the layer applied to an expression of shape [In] or [B, In]
  template <ctgrad::detail::unary_operand X>
  static constexpr detail::linear_result_t<leaves, In, Out, Name, X> apply(const X& x) {
    using R = detail::linear_result_t<leaves, In, Out, Name, X>;
    if constexpr (ctgrad::detail::is_invalid<R>) {
      if constexpr (!ctgrad::detail::is_invalid<X>) ctgrad::detail::report<R>();
      return R{};
    } else if constexpr (X::shape_type::rank == 1) {
      return W * x + b;
    } else {
      return x * transpose(W) + b;
    }
  }
  template <ctgrad::detail::unary_operand X>
  constexpr detail::linear_result_t<leaves, In, Out, Name, X> operator()(const X& x) const {
    return apply(x);
  }
};

}  // namespace ctgrad::nn

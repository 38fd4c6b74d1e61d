// Matrix product and transpose.
//
//   matmul(A, B)   [M,K] x [K,N] -> [M,N]      VJPs: dA = dY B^T, dB = A^T dY
//   matmul(A, v)   [M,K] x [K]   -> [M]        VJPs: dA = dy v^T, dv = A^T dy
//   transpose(A)   [M,N] -> [N,M]
//   A * transpose(B), transpose(A) * B: the product reads the operand transposed in place
//
// operator* is the matrix product when its left operand is a matrix and its right one is
// a matrix or vector (`W * x + b`), and the elementwise product otherwise (scalars, vectors).
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/expr/expression.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/kernels/gemm.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/functions.hpp"

namespace ctgrad {
namespace op {

// op(A) op(B), where op transposes when the flag is set. `matmul(A, transpose(B))` and
// `A * transpose(B)` build matmul_t<false, true> directly: no transposed copy is made.
template <bool TA = false, bool TB = false>
struct matmul_t {
  static constexpr auto name = fixed_string("matmul");

  template <class S, bool T>
  static constexpr auto shown() {
    if constexpr (T)
      return shape_string(S{}) + fixed_string("^T");
    else
      return shape_string(S{});
  }
  template <class A, class B>
  static constexpr auto check() {
    if constexpr (A::rank != 2 || (B::rank != 1 && B::rank != 2) || (TB && B::rank != 2))
      return fixed_string("needs a matrix on the left and a matrix or vector on the right, got ") + shown<A, TA>() +
             fixed_string(" x ") + shown<B, TB>();
    else if constexpr (A::dim(TA ? 0 : 1) != B::dim(TB ? 1 : 0))
      return fixed_string("inner dimensions differ: ") + shown<A, TA>() + fixed_string(" x ") + shown<B, TB>();
    else if constexpr (TB && B::dynamic)
      return fixed_string("the product would have a dynamic number of columns (only rows may be dyn): ") +
             shown<A, TA>() + fixed_string(" x ") + shown<B, TB>();
    else
      return fixed_string("");
  }
  template <class A, class B>
  using result_shape = std::conditional_t<B::rank == 1, shape<A::dim(TA ? 1 : 0)>,
                                          shape<A::dim(TA ? 1 : 0), B::dim(TB ? 0 : B::rank - 1)>>;

  // C [M,N] = op(A) [M,K] op(B) [K,N]; a vector B is a [K,1] matrix; a dynamic first
  // dimension is the view's rows
  template <class X>
  static constexpr std::size_t dim(const X& x, std::size_t i) {
    if constexpr (X::shape_type::dynamic)
      if (i == 0) return x.rows();
    return X::shape_type::dim(i);
  }
  struct sizes {
    std::size_t M, K, N;
  };
  template <class A, class B>
  static constexpr sizes dims(const A& a, const B& b) {
    return {dim(a, TA ? 1 : 0), dim(a, TA ? 0 : 1), B::rank == 1 ? 1 : dim(b, TB ? 0 : 1)};
  }

  template <class Y, class A, class B>
  constexpr void forward(Y& y, const A& a, const B& b) const {
    const auto d = dims(a, b);
    detail::gemm<TA, TB, false>(d.M, d.N, d.K, a.data(), b.data(), y.data());
  }

  template <std::size_t Kid, class DX, class DY, class Y, class A, class B>
  constexpr void vjp(const DX& dx, const DY& dy, const Y&, const A& a, const B& b) const {
    const auto [M, K, N] = dims(a, b);
    constexpr bool add = DX::accumulates;
    const auto* dc = dy.data();
    if constexpr (Kid == 0 && !TA)  // dA = dC op(B)^T
      detail::gemm<false, !TB, add>(M, K, N, dc, b.data(), dx.data());
    else if constexpr (Kid == 0)  // A is stored [K,M]: dA = op(B) dC^T
      detail::gemm<TB, true, add>(K, M, N, b.data(), dc, dx.data());
    else if constexpr (!TB)  // dB = op(A)^T dC
      detail::gemm<!TA, false, add>(K, N, M, a.data(), dc, dx.data());
    else  // B is stored [N,K]: dB = dC^T op(A)
      detail::gemm<true, TA, add>(N, K, M, dc, a.data(), dx.data());
  }
};
using matmul = matmul_t<>;

struct transpose {
  static constexpr auto name = fixed_string("transpose");
  template <class A>
  static constexpr auto check() {
    if constexpr (A::rank != 2)
      return fixed_string("needs a matrix, got ") + shape_string(A{});
    else
      return fixed_string("");
  }
  template <class A>
  using result_shape = shape<A::dim(1), A::dim(0)>;

  template <class Y, class A>
  constexpr void forward(Y& y, const A& a) const {
    constexpr std::size_t M = A::shape_type::dim(0), N = A::shape_type::dim(1);
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < N; ++j) y.data()[j * M + i] = a[i * N + j];
  }
  template <std::size_t, class DX, class DY, class Y, class A>
  constexpr void vjp(const DX& dx, const DY& dy, const Y&, const A&) const {
    constexpr std::size_t M = A::shape_type::dim(0), N = A::shape_type::dim(1);
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < N; ++j) dx.put(i * N + j, dy[j * M + i]);
  }
};

}  // namespace op

template <detail::unary_operand A>
constexpr result_t<op::transpose, A> transpose(const A& a) {
  return detail::make_node(op::transpose{}, a);
}

namespace detail {
template <class A>
struct transposed : std::false_type {};
template <class A>
struct transposed<node<op::transpose, A>> : std::true_type {};

// a transpose node stands for its operand, read with the product's flag set
template <class A>
struct operand_of_product_t {
  using type = A;
};
template <class A>
struct operand_of_product_t<node<op::transpose, A>> {
  using type = A;
};
template <class A>
using operand_of_product = typename operand_of_product_t<std::remove_cvref_t<A>>::type;
template <class A>
constexpr decltype(auto) untransposed(const A& a) {
  if constexpr (transposed<A>::value)
    return detail::child<0>(a);
  else
    return (a);
}
template <class A, class B>
using matmul_op = op::matmul_t<transposed<std::remove_cvref_t<A>>::value, transposed<std::remove_cvref_t<B>>::value>;
template <class A, class B>
using matmul_result = result_t<matmul_op<A, B>, operand_of_product<A>, operand_of_product<B>>;

template <class A, class B>
constexpr matmul_result<A, B> make_matmul(const A& a, const B& b) {
  return make_node(matmul_op<A, B>{}, untransposed(a), untransposed(b));
}
}  // namespace detail

template <detail::unary_operand A, detail::unary_operand B>
constexpr detail::matmul_result<A, B> matmul(const A& a, const B& b) {
  return detail::make_matmul(a, b);
}

namespace detail {
// (a concept, not a function: docs/design.md, "Compile time")
template <class A, class B>
concept is_matrix_product = expression<A> && expression<B> && std::remove_cvref_t<A>::shape_type::rank == 2 &&
                            std::remove_cvref_t<B>::shape_type::rank >= 1;
template <class A, class B>
struct times_result : guarded_result<op::zip<fn::mul>, std::remove_cvref_t<A>, std::remove_cvref_t<B>> {};
template <class A, class B>
  requires is_matrix_product<A, B>
struct times_result<A, B> {
  using type = matmul_result<A, B>;
};
}  // namespace detail

template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr typename detail::times_result<A, B>::type operator*(const A& a, const B& b) {
  if constexpr (detail::is_matrix_product<A, B>)
    return detail::make_matmul(a, b);
  else
    return detail::make_node(op::zip<fn::mul>{}, a, b);
}

}  // namespace ctgrad

// Matrix product and transpose.
//
//   matmul(A, B)   [M,K] x [K,N] -> [M,N]      VJPs: dA = dY B^T, dB = A^T dY
//   matmul(A, v)   [M,K] x [K]   -> [M]        VJPs: dA = dy v^T, dv = A^T dy
//   transpose(A)   [M,N] -> [N,M]
//
// operator* is the matrix product when its left operand is a matrix and its right one is
// a matrix or vector (`W * x + b`), and the elementwise product otherwise (scalars, vectors).
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/core/expression.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/functions.hpp"

namespace ctgrad {
namespace op {

struct matmul {
  static constexpr auto name = fixed_string("matmul");

  template <class A, class B>
  static constexpr auto check() {
    if constexpr (A::rank != 2 || (B::rank != 1 && B::rank != 2))
      return fixed_string("needs a matrix on the left and a matrix or vector on the right, got ") +
             detail::shape_string(A{}) + fixed_string(" x ") + detail::shape_string(B{});
    else if constexpr (A::dim(1) != B::dim(0))
      return fixed_string("inner dimensions differ: ") + detail::shape_string(A{}) + fixed_string(" x ") +
             detail::shape_string(B{});
    else
      return fixed_string("");
  }
  template <class A, class B>
  using result_shape = std::conditional_t<B::rank == 1, shape<A::dim(0)>, shape<A::dim(0), B::dim(B::rank - 1)>>;

  template <class Y, class A, class B>
  constexpr void forward(Y& y, const A& a, const B& b) const {
    constexpr std::size_t M = A::shape_type::dim(0), K = A::shape_type::dim(1);
    constexpr std::size_t N = B::rank == 1 ? 1 : B::shape_type::dim(1);
    auto* yp = y.data();
    const auto *ap = a.data(), *bp = b.data();
    for (std::size_t i = 0; i < M * N; ++i) yp[i] = {};
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t k = 0; k < K; ++k) {
        const auto aik = ap[i * K + k];
        for (std::size_t j = 0; j < N; ++j) yp[i * N + j] += aik * bp[k * N + j];
      }
  }

  template <std::size_t Kid, bool Assign, class DX, class DY, class Y, class A, class B>
  constexpr void backward(DX& dx, const DY& dy, const Y&, const A& a, const B& b) const {
    constexpr std::size_t M = A::shape_type::dim(0), K = A::shape_type::dim(1);
    constexpr std::size_t N = B::rank == 1 ? 1 : B::shape_type::dim(1);
    auto* dxp = dx.data();
    const auto dyp = dy.data();
    const auto *ap = a.data(), *bp = b.data();
    using T = typename Y::value_type;
    if constexpr (Kid == 0) {
      // dA[i,k] = sum_j dY[i,j] B[k,j]: rows of dY against rows of B
      for (std::size_t i = 0; i < M; ++i)
        for (std::size_t k = 0; k < K; ++k) {
          T s{};
          for (std::size_t j = 0; j < N; ++j) s += dyp[i * N + j] * bp[k * N + j];
          detail::put<Assign>(dxp[i * K + k], s);
        }
    } else {
      // dB[k,j] = sum_i A[i,k] dY[i,j]
      if constexpr (Assign)
        for (std::size_t i = 0; i < K * N; ++i) dxp[i] = {};
      for (std::size_t i = 0; i < M; ++i)
        for (std::size_t k = 0; k < K; ++k) {
          const auto aik = ap[i * K + k];
          for (std::size_t j = 0; j < N; ++j) dxp[k * N + j] += aik * dyp[i * N + j];
        }
    }
  }
};

struct transpose {
  static constexpr auto name = fixed_string("transpose");
  template <class A>
  static constexpr auto check() {
    if constexpr (A::rank != 2)
      return fixed_string("needs a matrix, got ") + detail::shape_string(A{});
    else
      return fixed_string("");
  }
  template <class A>
  using result_shape = shape<A::dim(1), A::dim(0)>;

  template <class Y, class A>
  constexpr void forward(Y& y, const A& a) const {
    constexpr std::size_t M = A::shape_type::dim(0), N = A::shape_type::dim(1);
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < N; ++j) y.data()[j * M + i] = a.data()[i * N + j];
  }
  template <std::size_t, bool Assign, class DX, class DY, class Y, class A>
  constexpr void backward(DX& dx, const DY& dy, const Y&, const A&) const {
    constexpr std::size_t M = A::shape_type::dim(0), N = A::shape_type::dim(1);
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < N; ++j) detail::put<Assign>(dx.data()[i * N + j], dy.data()[j * M + i]);
  }
};

}  // namespace op

template <detail::unary_operand A, detail::unary_operand B>
constexpr result_t<op::matmul, A, B> matmul(const A& a, const B& b) {
  return detail::make_node(op::matmul{}, a, b);
}

template <detail::unary_operand A>
constexpr result_t<op::transpose, A> transpose(const A& a) {
  return detail::make_node(op::transpose{}, a);
}

namespace detail {
template <class A, class B>
constexpr bool is_matrix_product() {
  if constexpr (expression<A> && expression<B>)
    return std::remove_cvref_t<A>::shape_type::rank == 2 && std::remove_cvref_t<B>::shape_type::rank >= 1;
  else
    return false;
}
template <class A, class B>
using times_op = std::conditional_t<is_matrix_product<A, B>(), op::matmul, op::zip<fn::mul>>;
}  // namespace detail

template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr result_t<detail::times_op<A, B>, A, B> operator*(const A& a, const B& b) {
  return detail::make_node(detail::times_op<A, B>{}, a, b);
}

}  // namespace ctgrad
